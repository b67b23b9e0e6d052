// Package accounts is the use cases of the seed's users app: registration,
// email verification, login with JWTs, refresh, logout, password reset and
// the signed-in user's own profile — with the seed's security bugs fixed
// (SPEC §3 items 8, 11–13).
package accounts

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"pasched"
	"pasched/jobs"
	"pasched/mail"
	"pasched/password"
	"pasched/sqlstore"
	"pasched/token"
)

// VerificationTokenLifetime is how long a verification link works (seed: 7 days).
const VerificationTokenLifetime = 7 * 24 * time.Hour

// Service holds what the account use cases need.
type Service struct {
	DB   *sqlstore.DB
	Jobs *jobs.Client
	// Hasher runs the expensive password hashing, a bounded number at a
	// time (password.Hasher).
	Hasher      PasswordHasher
	Signer      *token.Signer
	FrontendURL string
	// UserCacheTTL is how long Authenticate may trust a user row it has
	// read: 0 means DefaultUserCacheTTL on SQLite, and on PostgreSQL
	// DefaultUserCacheTTL with UserFeed and no cache without; negative
	// turns the cache off. Changes made through this Service are seen at
	// once.
	UserCacheTTL time.Duration
	// UserFeed says that something (the realtime broker, on PostgreSQL)
	// tells this Service of every change to a user committed by any
	// instance, through UserChanged, and whether it is live, through
	// UserFeedLive: the user cache is then used only while it is live.
	// Each change the Service makes to a user is staged with Events
	// (pasched.Event.UserChangedID) for the other instances to hear.
	UserFeed bool
	// Events, when set, carries the revocation of a user's live sockets
	// (pasched.Event.RevokeUserID) to every instance when a password reset
	// commits (see RevokeLiveSessions). nil: no live channel to tell.
	Events pasched.Events
	// WebSessionIdle and WebSessionMax end a web session after that long
	// unused, and after that long whatever its use (0: the defaults,
	// DefaultWebSessionIdle and DefaultWebSessionMax).
	WebSessionIdle, WebSessionMax time.Duration

	cacheOnce sync.Once
	users     *userCache
	hashMem   hashMemory
}

// PasswordHasher hashes and verifies passwords; *password.Hasher is the
// real one, which bounds how many run at once so that a flood of logins
// queues instead of starving every other request of CPU and memory.
type PasswordHasher interface {
	Hash(ctx context.Context, plain string) (string, error)
	Verify(ctx context.Context, plain, encoded string) (ok, needsRehash bool, err error)
	CheckDummy(ctx context.Context, plain string) error
}

// ValidatePassword runs Django's four password validators as the seed's
// serializers run them: as a field validator, without a user, so that
// UserAttributeSimilarityValidator has nothing to compare with (see
// password.Validate). It returns the messages in Django's order.
func ValidatePassword(plain string) []string {
	return password.Validate(plain, password.UserAttrs{})
}

// RegisterInput is a registration after field decoding: a nil pointer is a
// field that was absent or already failed (its error is in the FieldErrors).
type RegisterInput struct {
	Email, Username, Password, PasswordConfirm, FirstName, LastName, PhoneNumber *string
}

// usernameRe is Django's UnicodeUsernameValidator: ^[\w.@+-]+\Z, where
// Python's \w is a letter, a numeric character or an underscore.
var usernameRe = regexp.MustCompile(`^[\pL\pN_.@+-]+$`)

// ValidateUsername is the username's model validator
// (UnicodeUsernameValidator); it returns its message or nothing.
func ValidateUsername(s string) []string {
	if usernameRe.MatchString(s) {
		return nil
	}
	return []string{"Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."}
}

// Field names of RegisterInput in validation errors.
const (
	FieldEmail           = "email"
	FieldUsername        = "username"
	FieldPassword        = "password"
	FieldPasswordConfirm = "password_confirm"
	FieldPhoneNumber     = "phone_number"
)

const msgRequired = "This field is required."

// registrationFields checks the given fields that need the database — the
// email and username are free — adding their errors to fe. It returns the
// email as it will be stored (lower-cased), or nil.
func (s *Service) registrationFields(ctx context.Context, in RegisterInput, fe *pasched.FieldErrors) (*string, error) {
	var email *string
	if in.Email != nil {
		// The model's UniqueValidator compares exactly; validate_email then
		// compares the lower-cased address (two messages, as the seed).
		exists, err := sqlstore.EmailExists(ctx, s.DB, *in.Email)
		if err != nil {
			return nil, err
		}
		lower := strings.ToLower(*in.Email)
		if exists {
			fe.Add(FieldEmail, "User with this email already exists.")
		} else if lowerExists, err := sqlstore.EmailExists(ctx, s.DB, lower); err != nil {
			return nil, err
		} else if lowerExists {
			fe.Add(FieldEmail, "A user with this email already exists.")
		} else {
			email = &lower
		}
	}
	if in.Username != nil {
		if taken, err := sqlstore.UsernameExists(ctx, s.DB, *in.Username); err != nil {
			return nil, err
		} else if taken {
			fe.Add(FieldUsername, "A user with that username already exists.")
		}
	}
	return email, nil
}

// CheckRegistration returns the field errors Register would find in the
// fields that are given (the email or username is taken), without writing
// anything: a front end whose own reading of other fields failed calls it
// so that the user hears of every field at once. Codes: EINVALID.
func (s *Service) CheckRegistration(ctx context.Context, in RegisterInput) error {
	var fe pasched.FieldErrors
	if _, err := s.registrationFields(ctx, in, &fe); err != nil {
		return err
	}
	return fe.Err()
}

// Register checks the fields — each required one is given, the email and
// username are free — then the whole input (the passwords match), and when
// all is well creates a PA, its verification token and the job that emails
// it, in one transaction. The caller has run the fields' own validators
// (ValidatePassword for the password, ValidateUsername). Codes: EINVALID.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*pasched.User, error) {
	var fe pasched.FieldErrors
	for _, f := range []struct {
		name string
		v    *string
	}{{FieldEmail, in.Email}, {FieldUsername, in.Username}, {FieldPassword, in.Password},
		{FieldPasswordConfirm, in.PasswordConfirm}, {FieldPhoneNumber, in.PhoneNumber}} {
		if f.v == nil {
			fe.Add(f.name, msgRequired)
		}
	}
	email, err := s.registrationFields(ctx, in, &fe)
	if err != nil {
		return nil, err
	}
	if !fe.Empty() {
		return nil, fe.Err()
	}
	in.Email = email
	if *in.Password != *in.PasswordConfirm {
		return nil, pasched.Invalid(FieldPassword, "Password fields didn't match.")
	}
	hash, err := s.hash(ctx, *in.Password)
	if err != nil {
		return nil, err
	}
	var user *pasched.User
	err = s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		u, err := sqlstore.CreateUser(ctx, tx, pasched.NewUser{
			Email: *in.Email, Username: *in.Username, FirstName: deref(in.FirstName), LastName: deref(in.LastName),
			PhoneNumber: *in.PhoneNumber, Role: pasched.RolePA, PasswordHash: hash,
		})
		if sqlstore.IsUniqueViolation(err) {
			// Lost a race with another registration of the same email or username.
			return pasched.Invalid(FieldEmail, "A user with this email already exists.")
		}
		if err != nil {
			return err
		}
		tok, err := sqlstore.CreateOneTimeToken(ctx, tx, sqlstore.VerificationTokens, u.ID, uuid.NewString(), VerificationTokenLifetime)
		if err != nil {
			return err
		}
		m, err := mail.Verification(u.Email, u.DisplayName(), s.FrontendURL+"/verify-email?token="+tok.Token)
		if err != nil {
			return fmt.Errorf("render verification email: %w", err)
		}
		if err := jobs.EnqueueEmail(ctx, s.Jobs, tx, m, fmt.Sprintf("verify:%d", tok.ID)); err != nil {
			return err
		}
		user = u
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	return user, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// VerifyEmail uses a verification token. Codes: EINVALID (unknown, expired or used token).
func (s *Service) VerifyEmail(ctx context.Context, tok string) (*pasched.User, error) {
	var user *pasched.User
	err := s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		t, err := sqlstore.FindOneTimeToken(ctx, tx, sqlstore.VerificationTokens, tok)
		if err != nil && pasched.ErrorCode(err) == pasched.ENOTFOUND {
			return pasched.Errorf(pasched.EINVALID, "Invalid verification token.")
		}
		if err != nil {
			return err
		}
		expired := pasched.Errorf(pasched.EINVALID, "Verification token has expired or been used.")
		if !t.Valid(tx.Now) {
			return expired
		}
		if ok, err := sqlstore.UseOneTimeToken(ctx, tx, sqlstore.VerificationTokens, t.ID); err != nil {
			return err
		} else if !ok {
			return expired
		}
		if err := sqlstore.MarkEmailVerified(ctx, tx, t.UserID); err != nil {
			return err
		}
		if err := s.userChanged(ctx, tx, t.UserID); err != nil {
			return err
		}
		user, err = sqlstore.FindUserByID(ctx, tx, t.UserID)
		return err
	})
	if user != nil {
		s.cache().forget(user.ID)
	}
	return user, err
}

// LoginResult is a signed-in user and its tokens.
type LoginResult struct {
	User   *pasched.User
	Tokens token.Pair
}

var errBadCredentials = pasched.Invalid(pasched.NonField, "Unable to log in with provided credentials.")

// Login checks credentials; an unknown email costs the same hashing time as
// a known one. It updates last_login, upgrades old hashes and records the
// refresh token as outstanding (so logout can blacklist it).
func (s *Service) Login(ctx context.Context, email, plain string) (*LoginResult, error) {
	email = strings.ToLower(email)
	u, err := sqlstore.FindUserByEmail(ctx, s.DB, email)
	if err != nil && pasched.ErrorCode(err) == pasched.ENOTFOUND {
		if err := s.dummy(ctx, plain); err != nil {
			return nil, err
		}
		return nil, errBadCredentials
	}
	if err != nil {
		return nil, err
	}
	ok, rehash, err := s.verify(ctx, plain, u.PasswordHash)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if !ok || !u.IsActive {
		// Django's ModelBackend refuses inactive users with the same words.
		return nil, errBadCredentials
	}
	newHash := ""
	if rehash {
		if newHash, err = s.hash(ctx, plain); err != nil {
			return nil, err
		}
	}
	var res LoginResult
	err = s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		if err := sqlstore.SetLastLogin(ctx, tx, u.ID, newHash); err != nil {
			return err
		}
		if err := s.userChanged(ctx, tx, u.ID); err != nil {
			return err
		}
		pair, err := s.issue(ctx, tx, u)
		if err != nil {
			return err
		}
		u.LastLogin = &tx.Now
		res = LoginResult{User: u, Tokens: pair}
		return nil
	})
	s.cache().forget(u.ID)
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	return &res, nil
}

// issue makes a token pair and records its refresh token as outstanding.
func (s *Service) issue(ctx context.Context, tx *sqlstore.Tx, u *pasched.User) (token.Pair, error) {
	pair, err := s.Signer.IssuePair(u.ID, issueTime(u, tx.Now))
	if err != nil {
		return pair, err
	}
	rc := pair.RefreshClaims
	return pair, sqlstore.AddOutstandingToken(ctx, tx, u.ID, rc.JTI, pair.Refresh, rc.IssuedAt(), rc.ExpiresAt())
}

// issueTime is when a token issued for u at now says it was issued. A JWT's
// iat counts whole seconds, so a token issued in the same second as a
// password reset, after it, would carry an iat the reset refuses: its iat
// is moved to the first second the reset allows (at most one second ahead;
// token.IssuedAtLeeway lets Parse accept that).
func issueTime(u *pasched.User, now time.Time) time.Time {
	if u.TokensValidAfter != nil && now.Before(validAfterSecond(*u.TokensValidAfter)) {
		return validAfterSecond(*u.TokensValidAfter)
	}
	return now
}

// validAfterSecond is the first whole second whose tokens a reset at t allows.
func validAfterSecond(t time.Time) time.Time {
	s := t.Truncate(time.Second)
	if s.Before(t) {
		s = s.Add(time.Second)
	}
	return s
}

// revokeAllTokensAt is the tokens_valid_after that refuses every token of u
// issued so far, now included: issueTime may have dated a token issued
// just after an earlier revocation at that revocation's next whole second,
// which can be later than now.
func revokeAllTokensAt(u *pasched.User, now time.Time) time.Time {
	if u.TokensValidAfter != nil {
		if bumped := validAfterSecond(*u.TokensValidAfter); !now.After(bumped) {
			return bumped.Add(time.Microsecond)
		}
	}
	return now
}

// TokenRevoked reports whether claims were issued before the user's last
// password reset.
func TokenRevoked(u *pasched.User, c token.Claims) bool {
	return u.TokensValidAfter != nil && c.IssuedAt().Before(validAfterSecond(*u.TokensValidAfter))
}

// errBadRefresh is the seed's refresh failure.
var errBadRefresh = pasched.Errorf(pasched.EUNAUTHORIZED, "Invalid or expired refresh token.")

// Refresh makes a new access token from a valid, not blacklisted refresh
// token of an active user.
func (s *Service) Refresh(ctx context.Context, raw string) (string, error) {
	c, err := s.Signer.Parse(raw, token.Refresh)
	if err != nil {
		return "", errBadRefresh
	}
	if black, err := sqlstore.IsBlacklisted(ctx, s.DB, c.JTI); err != nil {
		return "", err
	} else if black {
		return "", errBadRefresh
	}
	u, err := sqlstore.FindUserByID(ctx, s.DB, int64(c.UserID))
	if err != nil && pasched.ErrorCode(err) == pasched.ENOTFOUND {
		return "", errBadRefresh
	}
	if err != nil {
		return "", err
	}
	if !u.IsActive || TokenRevoked(u, c) {
		return "", errBadRefresh
	}
	_, access, err := s.Signer.AccessFor(c, issueTime(u, s.DB.Now()))
	return access, err
}

// Logout blacklists the caller's own refresh token; an empty one is a no-op
// (as the seed). Someone else's token, a bad or blacklisted one is refused.
func (s *Service) Logout(ctx context.Context, caller *pasched.User, raw string) error {
	if raw == "" {
		return nil
	}
	invalid := pasched.Errorf(pasched.EINVALID, "Invalid token.")
	c, err := s.Signer.Parse(raw, token.Refresh)
	if err != nil || int64(c.UserID) != caller.ID || TokenRevoked(caller, c) {
		return invalid
	}
	return s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		if black, err := sqlstore.IsBlacklisted(ctx, tx, c.JTI); err != nil {
			return err
		} else if black {
			return invalid
		}
		// The check above is only the common case: a concurrent logout
		// may blacklist the token between it and this insert.
		if added, err := sqlstore.Blacklist(ctx, tx, caller.ID, c.JTI, raw, c.IssuedAt(), c.ExpiresAt()); err != nil {
			return err
		} else if !added {
			return invalid
		}
		return nil
	})
}

// RequestPasswordReset queues the reset for an email, whether or not an
// account has it: same work, same answer, same time (SPEC §3 item 13).
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	email = strings.ToLower(email)
	return s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		_, err := s.Jobs.InsertTx(ctx, tx.SQL(), jobs.PasswordResetArgs{Email: email}, nil)
		return err
	})
}

// ResetTokenLifetime is how long a reset link works (the seed's 24 hours).
const ResetTokenLifetime = 24 * time.Hour

// IssuePasswordReset is the work behind RequestPasswordReset, run by its
// background job inside tx: for an active account with that email, a reset
// token and its email; for any other email, nothing (and no error).
func (s *Service) IssuePasswordReset(ctx context.Context, tx *sqlstore.Tx, email string) error {
	u, err := sqlstore.FindUserByEmail(ctx, tx, email)
	if pasched.ErrorCode(err) == pasched.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if !u.IsActive {
		return nil
	}
	tok, err := sqlstore.CreateOneTimeToken(ctx, tx, sqlstore.PasswordResetTokens, u.ID, uuid.NewString(), ResetTokenLifetime)
	if err != nil {
		return err
	}
	m, err := mail.PasswordReset(u.Email, u.DisplayName(), s.FrontendURL+"/reset-password?token="+tok.Token)
	if err != nil {
		return fmt.Errorf("render reset email: %w", err)
	}
	return jobs.EnqueueEmail(ctx, s.Jobs, tx, m, fmt.Sprintf("password_reset:%d", tok.ID))
}

// ConfirmPasswordReset sets a new password with a reset token. It makes
// every other reset token of the user unusable, blacklists its refresh
// tokens, refuses every token issued before now, ends the user's web sessions (SPEC §3 items 8, 12).
// The password was validated by the caller (validators need no user here,
// as the seed's serializer runs them without one).
func (s *Service) ConfirmPasswordReset(ctx context.Context, tok, plain string) error {
	t, err := sqlstore.FindOneTimeToken(ctx, s.DB, sqlstore.PasswordResetTokens, tok)
	if err != nil && pasched.ErrorCode(err) == pasched.ENOTFOUND {
		return pasched.Errorf(pasched.EINVALID, "Invalid reset token.")
	}
	if err != nil {
		return err
	}
	expired := pasched.Errorf(pasched.EINVALID, "Reset token has expired or been used.")
	if !t.Valid(s.DB.Now()) {
		return expired
	}
	hash, err := s.hash(ctx, plain)
	if err != nil {
		return err
	}
	defer s.cache().forget(t.UserID)
	return s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		if ok, err := sqlstore.UseOneTimeToken(ctx, tx, sqlstore.PasswordResetTokens, t.ID); err != nil {
			return err
		} else if !ok {
			return expired
		}
		if err := sqlstore.UseAllOneTimeTokens(ctx, tx, sqlstore.PasswordResetTokens, t.UserID); err != nil {
			return err
		}
		u, err := sqlstore.FindUserByID(ctx, tx, t.UserID)
		if err != nil {
			return err
		}
		if err := sqlstore.SetPassword(ctx, tx, t.UserID, hash); err != nil {
			return err
		}
		if err := sqlstore.BlacklistAllForUser(ctx, tx, t.UserID); err != nil {
			return err
		}
		// An account an admin added has no usable password until its
		// owner chooses one through the invitation's link (AddUser): that
		// link reached their inbox, so the address is confirmed too. A
		// reset of a registered account leaves verification as it was.
		if strings.HasPrefix(u.PasswordHash, unusablePasswordPrefix) {
			if err := sqlstore.MarkEmailVerified(ctx, tx, t.UserID); err != nil {
				return err
			}
		}
		if err := sqlstore.SetTokensValidAfter(ctx, tx, t.UserID, revokeAllTokensAt(u, tx.Now)); err != nil {
			return err
		}
		// Whoever reset the password may be recovering a stolen account:
		// every browser signed in as the user is signed out.
		if _, err := sqlstore.DeleteUserWebSessions(ctx, tx, t.UserID, 0); err != nil {
			return err
		}
		// The revocation also tells every instance's user cache.
		return s.RevokeLiveSessions(ctx, tx, t.UserID)
	})
}

// UpdateProfile changes the caller's first name, last name and phone number,
// nothing else, and returns the updated user.
func (s *Service) UpdateProfile(ctx context.Context, id int64, up pasched.ProfileUpdate) (*pasched.User, error) {
	var u *pasched.User
	err := s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		if err := sqlstore.UpdateProfile(ctx, tx, id, up); err != nil {
			return err
		}
		if err := s.userChanged(ctx, tx, id); err != nil {
			return err
		}
		var err error
		u, err = sqlstore.FindUserByID(ctx, tx, id)
		return err
	})
	s.cache().forget(id)
	return u, err
}

// Authenticate resolves an access token to an active user, with simplejwt's
// failure reasons.
func (s *Service) Authenticate(ctx context.Context, raw string) (*pasched.User, error) {
	u, _, err := s.AuthenticateWithExpiry(ctx, raw)
	return u, err
}

// AuthenticateWithExpiry is Authenticate that also returns when the access
// token expires (its exp claim), for connections that outlive the request,
// such as the live channel's sockets.
func (s *Service) AuthenticateWithExpiry(ctx context.Context, raw string) (*pasched.User, time.Time, error) {
	c, err := s.Signer.Parse(raw, token.Access)
	if err != nil {
		return nil, time.Time{}, err
	}
	u, err := s.authenticateClaims(ctx, c)
	if err != nil {
		return nil, time.Time{}, err
	}
	return u, c.ExpiresAt(), nil
}

func (s *Service) authenticateClaims(ctx context.Context, c token.Claims) (*pasched.User, error) {
	u, err := s.cache().user(ctx, s.DB, int64(c.UserID))
	if err != nil && pasched.ErrorCode(err) == pasched.ENOTFOUND {
		return nil, ErrUserNotFound
	}
	if err != nil {
		return nil, err
	}
	if TokenRevoked(u, c) {
		return nil, token.ErrInvalid
	}
	if !u.IsActive {
		return nil, ErrUserInactive
	}
	return u, nil
}

// Authentication failures beyond the token's own.
var (
	ErrUserNotFound = errors.New("User not found")
	ErrUserInactive = errors.New("User is inactive")
)

// CreateAdmin creates or updates an admin (idempotent; its email counts as verified).
func (s *Service) CreateAdmin(ctx context.Context, nu pasched.NewUser, plain string) (*pasched.User, bool, error) {
	hash, err := s.hash(ctx, plain)
	if err != nil {
		return nil, false, err
	}
	nu.Email = strings.ToLower(nu.Email)
	nu.Role, nu.PasswordHash, nu.IsEmailVerified, nu.IsStaff, nu.IsSuperuser = pasched.RoleAdmin, hash, true, true, true
	if nu.Username == "" {
		nu.Username = strings.SplitN(nu.Email, "@", 2)[0]
	}
	var u *pasched.User
	var created bool
	err = s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		if u, created, err = sqlstore.UpsertAdmin(ctx, tx, nu); err != nil || created {
			return err
		}
		// An existing user's password, role and flags changed.
		return s.userChanged(ctx, tx, u.ID)
	})
	if u != nil {
		s.cache().forget(u.ID)
	}
	return u, created, err
}
