package accounts

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"

	"github.com/google/uuid"

	"pasched"
	"pasched/jobs"
	mailer "pasched/mail"
	"pasched/sqlstore"
)

// The admin's management of people (the console's People pages). Every
// change is recorded in the audit trail in its own transaction.

func requireAdmin(u *pasched.User) error {
	if u == nil || !u.IsAdmin() {
		return pasched.Errorf(pasched.EFORBIDDEN, "You do not have permission to perform this action.")
	}
	return nil
}

// ListUsers returns every account, admins first (admins only).
func (s *Service) ListUsers(ctx context.Context, admin *pasched.User) ([]*pasched.User, error) {
	if err := requireAdmin(admin); err != nil {
		return nil, err
	}
	return sqlstore.ListUsers(ctx, s.DB)
}

// FindUser returns one account (admins only).
func (s *Service) FindUser(ctx context.Context, admin *pasched.User, id int64) (*pasched.User, error) {
	if err := requireAdmin(admin); err != nil {
		return nil, err
	}
	return sqlstore.FindUserByID(ctx, s.DB, id)
}

// AddUserInput is a person an admin adds.
type AddUserInput struct {
	Email, FirstName, LastName, PhoneNumber string
	Role                                    string // pasched.RolePA or pasched.RoleAdmin
}

// Validate returns the input's field errors in the words a person reads.
func (in *AddUserInput) Validate() *pasched.FieldErrors {
	var fe pasched.FieldErrors
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.FirstName, in.LastName = strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	in.PhoneNumber = strings.TrimSpace(in.PhoneNumber)
	if in.Email == "" {
		fe.Add("email", "Enter their email address.")
	} else if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 254 {
		fe.Add("email", "Enter an email address like name@example.com.")
	}
	if in.FirstName == "" {
		fe.Add("first_name", "Enter their first name.")
	} else if len(in.FirstName) > 150 {
		fe.Add("first_name", "First name must be 150 characters or fewer.")
	}
	if len(in.LastName) > 150 {
		fe.Add("last_name", "Last name must be 150 characters or fewer.")
	}
	if in.PhoneNumber == "" {
		fe.Add("phone_number", "Enter their phone number.")
	} else if len(in.PhoneNumber) > 20 {
		fe.Add("phone_number", "Phone number must be 20 characters or fewer.")
	}
	if in.Role != pasched.RolePA && in.Role != pasched.RoleAdmin {
		fe.Add("role", "Choose whether they are a PA or an admin.")
	}
	return &fe
}

// unusablePasswordPrefix starts Django's unusable password hashes (an
// account with no password yet).
const unusablePasswordPrefix = "!"

// InvitationLifetime is how long the link to choose a password works.
const InvitationLifetime = VerificationTokenLifetime

// AddUser creates an account for someone else (admins only) and emails
// them a link to choose their password, which also confirms their address
// (a password-reset token that lives InvitationLifetime). The account has
// no usable password until then. Returns EINVALID with field errors.
func (s *Service) AddUser(ctx context.Context, admin *pasched.User, in AddUserInput) (*pasched.User, error) {
	if err := requireAdmin(admin); err != nil {
		return nil, err
	}
	fe := in.Validate()
	if err := fe.Err(); err != nil {
		return nil, err
	}
	nu := pasched.NewUser{
		Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, PhoneNumber: in.PhoneNumber, Role: in.Role,
		// Django's unusable password: "!" and random characters never
		// verify against any input.
		PasswordHash: unusablePasswordPrefix + strings.ReplaceAll(uuid.NewString(), "-", ""),
		IsStaff:      in.Role == pasched.RoleAdmin, IsSuperuser: in.Role == pasched.RoleAdmin,
	}
	var user *pasched.User
	err := s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		if exists, err := sqlstore.EmailExists(ctx, tx, nu.Email); err != nil {
			return err
		} else if exists {
			return pasched.Invalid("email", "Someone with this email address already has an account.")
		}
		username, err := freeUsername(ctx, tx, nu.Email)
		if err != nil {
			return err
		}
		nu.Username = username
		u, err := sqlstore.CreateUser(ctx, tx, nu)
		if sqlstore.IsUniqueViolation(err) {
			return pasched.Invalid("email", "Someone with this email address already has an account.")
		}
		if err != nil {
			return err
		}
		tok, err := sqlstore.CreateOneTimeToken(ctx, tx, sqlstore.PasswordResetTokens, u.ID, uuid.NewString(), InvitationLifetime)
		if err != nil {
			return err
		}
		m, err := mailer.Invitation(u.Email, u.DisplayName(), admin.DisplayName(), s.FrontendURL+"/reset-password?token="+tok.Token, u.Role == pasched.RolePA)
		if err != nil {
			return fmt.Errorf("render invitation: %w", err)
		}
		if err := jobs.EnqueueEmail(ctx, s.Jobs, tx, m, fmt.Sprintf("invite:%d", tok.ID)); err != nil {
			return err
		}
		user = u
		return s.audit(ctx, tx, admin, pasched.AuditUserCreated, u, fmt.Sprintf("Added %s (%s) as %s", u.DisplayName(), u.Email, roleWords(u.Role)), nil, userSnapshot(u))
	})
	if err != nil {
		return nil, fmt.Errorf("add user: %w", err)
	}
	return user, nil
}

// freeUsername derives a username from the email's local part, adding a
// number when it is taken (the console asks for no username).
func freeUsername(ctx context.Context, tx *sqlstore.Tx, email string) (string, error) {
	base := strings.SplitN(email, "@", 2)[0]
	if len(base) > 140 {
		base = base[:140]
	}
	name := base
	for i := 2; ; i++ {
		taken, err := sqlstore.UsernameExists(ctx, tx, name)
		if err != nil || !taken {
			return name, err
		}
		name = fmt.Sprintf("%s%d", base, i)
	}
}

func roleWords(role string) string {
	if role == pasched.RoleAdmin {
		return "an admin"
	}
	return "a PA"
}

// SetActive deactivates or reactivates a user (admins only; not oneself).
// Deactivation takes effect at once everywhere: the user's web sessions
// end, every token issued before now is refused, and their live sockets
// close on every instance once the change commits.
func (s *Service) SetActive(ctx context.Context, admin *pasched.User, id int64, active bool) (*pasched.User, error) {
	if err := requireAdmin(admin); err != nil {
		return nil, err
	}
	if id == admin.ID && !active {
		return nil, pasched.Invalid("user", "You cannot deactivate your own account.")
	}
	var user *pasched.User
	defer s.cache().forget(id)
	err := s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		before, err := sqlstore.FindUserByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.IsActive == active {
			user = before
			return nil // already so: nothing to record
		}
		if err := sqlstore.SetUserActive(ctx, tx, id, active); err != nil {
			return err
		}
		if active {
			// A deactivation tells the caches with its revocation, below.
			if err := s.userChanged(ctx, tx, id); err != nil {
				return err
			}
		}
		kind, verb := pasched.AuditUserReactivated, "Reactivated"
		if !active {
			kind, verb = pasched.AuditUserDeactivated, "Deactivated"
			if err := sqlstore.SetTokensValidAfter(ctx, tx, id, revokeAllTokensAt(before, tx.Now)); err != nil {
				return err
			}
			if _, err := sqlstore.DeleteUserWebSessions(ctx, tx, id, 0); err != nil {
				return err
			}
			if err := s.RevokeLiveSessions(ctx, tx, id); err != nil {
				return err
			}
		}
		if user, err = sqlstore.FindUserByID(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, admin, kind, user, fmt.Sprintf("%s %s", verb, user.DisplayName()), userSnapshot(before), userSnapshot(user))
	})
	if err != nil {
		return nil, fmt.Errorf("set user %d active: %w", id, err)
	}
	return user, nil
}

// ResendVerification sends a user a new link to confirm their address
// (admins only). A user whose address is confirmed needs none.
func (s *Service) ResendVerification(ctx context.Context, admin *pasched.User, id int64) error {
	if err := requireAdmin(admin); err != nil {
		return err
	}
	return s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		u, err := sqlstore.FindUserByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.IsEmailVerified {
			return pasched.Invalid("user", u.DisplayName()+" has already confirmed their email address.")
		}
		tok, err := sqlstore.CreateOneTimeToken(ctx, tx, sqlstore.VerificationTokens, u.ID, uuid.NewString(), VerificationTokenLifetime)
		if err != nil {
			return err
		}
		m, err := mailer.Verification(u.Email, u.DisplayName(), s.FrontendURL+"/verify-email?token="+tok.Token)
		if err != nil {
			return fmt.Errorf("render verification email: %w", err)
		}
		if err := jobs.EnqueueEmail(ctx, s.Jobs, tx, m, fmt.Sprintf("verify:%d", tok.ID)); err != nil {
			return err
		}
		return s.audit(ctx, tx, admin, pasched.AuditVerificationResent, u, "Sent "+u.DisplayName()+" a new link to confirm their email address", nil, nil)
	})
}

// audit records an admin's change to user u in tx.
func (s *Service) audit(ctx context.Context, tx *sqlstore.Tx, actor *pasched.User, kind string, u *pasched.User, summary string, before, after any) error {
	e := &pasched.AuditEntry{At: tx.Now, ActorID: &actor.ID, ActorName: actor.DisplayName(), Kind: kind, Summary: summary,
		SubjectUserID: &u.ID, Before: snapshotJSON(before), After: snapshotJSON(after)}
	return sqlstore.InsertAudit(ctx, tx, e)
}

// userAudit is what the trail keeps of a user: no password hash.
type userAudit struct {
	Email           string `json:"email"`
	Name            string `json:"name"`
	Role            string `json:"role"`
	IsActive        bool   `json:"is_active"`
	IsEmailVerified bool   `json:"is_email_verified"`
}

func userSnapshot(u *pasched.User) any {
	return userAudit{Email: u.Email, Name: u.FullName(), Role: u.Role, IsActive: u.IsActive, IsEmailVerified: u.IsEmailVerified}
}

func snapshotJSON(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
