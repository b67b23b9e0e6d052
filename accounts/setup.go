package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"

	"pasched"
	"pasched/sqlstore"
)

// setupCodeKey keeps the SHA-256 of the first-run setup code in
// app_settings while the database has no admin.
const setupCodeKey = "setup_code_sha256"

// setupAlphabet has no look-alike characters (no 0/O, 1/I/L), so the code
// can be read aloud or typed from a screen magnifier without doubt.
const setupAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// ErrSetupDone is what the first-run setup answers once an admin exists.
var ErrSetupDone = pasched.Errorf(pasched.ENOTFOUND, "setup is already done")

// PrepareSetup is called at start: with no admin in the database it makes
// a new one-time setup code (replacing any earlier one), stores its hash and
// returns it; with an admin it removes any code left and returns "".
func (s *Service) PrepareSetup(ctx context.Context) (string, error) {
	var code string
	err := s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		exists, err := sqlstore.AdminExists(ctx, tx)
		if err != nil {
			return err
		}
		if exists {
			return sqlstore.DeleteSetting(ctx, tx, setupCodeKey)
		}
		code = newSetupCode()
		return sqlstore.SetSetting(ctx, tx, setupCodeKey, hashSetupCode(code))
	})
	if err != nil {
		return "", fmt.Errorf("prepare setup: %w", err)
	}
	return code, nil
}

// newSetupCode is 15 characters of setupAlphabet (about 74 bits) in three
// groups: XXXXX-XXXXX-XXXXX.
func newSetupCode() string {
	b := make([]byte, 15)
	rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		// 256 is not a multiple of 31: the first 8 letters are a little more
		// likely (9/256 against 8/256), which costs under a bit of the 74.
		sb.WriteByte(setupAlphabet[int(c)%len(setupAlphabet)])
	}
	return sb.String()
}

// normalizeSetupCode forgives case, spaces and missing dashes.
func normalizeSetupCode(code string) string {
	var sb strings.Builder
	for _, r := range strings.ToUpper(code) {
		if strings.ContainsRune(setupAlphabet, r) {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

func hashSetupCode(code string) string {
	sum := sha256.Sum256([]byte(normalizeSetupCode(code)))
	return hex.EncodeToString(sum[:])
}

// SetupNeeded reports whether the first-run setup is open: no admin yet and
// a setup code was made.
func (s *Service) SetupNeeded(ctx context.Context) (bool, error) {
	stored, err := sqlstore.Setting(ctx, s.DB, setupCodeKey)
	if err != nil || stored == "" {
		return false, err
	}
	exists, err := sqlstore.AdminExists(ctx, s.DB)
	return !exists, err
}

// CheckSetupCode reports EINVALID on "code" unless code is the setup code,
// ErrSetupDone when setup is over.
func (s *Service) CheckSetupCode(ctx context.Context, code string) error {
	stored, err := sqlstore.Setting(ctx, s.DB, setupCodeKey)
	if err != nil {
		return err
	}
	if stored == "" {
		return ErrSetupDone
	}
	if subtle.ConstantTimeCompare([]byte(stored), []byte(hashSetupCode(code))) != 1 {
		return pasched.Invalid("code", "That setup code is not right. Copy it from the window where pasched started, or from the setup file beside the database.")
	}
	return nil
}

// CompleteSetup creates the first admin with the setup code, once: the code
// is taken in the same transaction, so of concurrent setups exactly one
// creates an admin and the others get ErrSetupDone. The password has passed
// ValidatePassword; the email is checked here.
func (s *Service) CompleteSetup(ctx context.Context, code string, nu pasched.NewUser, plain string) (*pasched.User, error) {
	if err := s.CheckSetupCode(ctx, code); err != nil {
		return nil, err
	}
	hash, err := s.hash(ctx, plain)
	if err != nil {
		return nil, err
	}
	nu.Email = strings.ToLower(strings.TrimSpace(nu.Email))
	nu.Role, nu.PasswordHash, nu.IsEmailVerified, nu.IsStaff, nu.IsSuperuser = pasched.RoleAdmin, hash, true, true, true
	if nu.Username == "" {
		nu.Username = nu.Email
	}
	var u *pasched.User
	err = s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		took, err := sqlstore.TakeSetting(ctx, tx, setupCodeKey, hashSetupCode(code))
		if err != nil {
			return err
		}
		if !took {
			return ErrSetupDone
		}
		if exists, err := sqlstore.AdminExists(ctx, tx); err != nil {
			return err
		} else if exists {
			return ErrSetupDone
		}
		u, err = sqlstore.CreateUser(ctx, tx, nu)
		if sqlstore.IsUniqueViolation(err) {
			return pasched.Invalid("email", "A user with this email already exists.")
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("complete setup: %w", err)
	}
	return u, nil
}
