package accounts

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"pasched"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/token"
)

// queuedEmails returns the email jobs' args, oldest first.
func queuedEmails(t *testing.T, db *sqlstore.DB) []map[string]any {
	t.Helper()
	// River keeps args as jsonb on PostgreSQL and as binary JSONB on SQLite.
	q := `SELECT CAST(args AS TEXT) FROM river_job WHERE kind = 'email' ORDER BY id`
	if db.Dialect == sqlstore.SQLite {
		q = `SELECT json(args) FROM river_job WHERE kind = 'email' ORDER BY id`
	}
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func auditKinds(t *testing.T, db *sqlstore.DB) []string {
	t.Helper()
	es, err := sqlstore.FindAudit(context.Background(), db, pasched.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for i := len(es) - 1; i >= 0; i-- {
		kinds = append(kinds, es[i].Kind)
	}
	return kinds
}

func TestAddUserValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		in    AddUserInput
		field string
	}{
		{"ok", AddUserInput{Email: " Pat@Example.com ", FirstName: "Pat", PhoneNumber: "1", Role: pasched.RolePA}, ""},
		{"no email", AddUserInput{FirstName: "Pat", PhoneNumber: "1", Role: pasched.RolePA}, "email"},
		{"bad email", AddUserInput{Email: "pat", FirstName: "Pat", PhoneNumber: "1", Role: pasched.RolePA}, "email"},
		{"display name", AddUserInput{Email: "Pat <pat@example.com>", FirstName: "Pat", PhoneNumber: "1", Role: pasched.RolePA}, "email"},
		{"no first name", AddUserInput{Email: "p@example.com", PhoneNumber: "1", Role: pasched.RolePA}, "first_name"},
		{"no phone", AddUserInput{Email: "p@example.com", FirstName: "Pat", Role: pasched.RolePA}, "phone_number"},
		{"long phone", AddUserInput{Email: "p@example.com", FirstName: "Pat", PhoneNumber: strings.Repeat("1", 21), Role: pasched.RolePA}, "phone_number"},
		{"bad role", AddUserInput{Email: "p@example.com", FirstName: "Pat", PhoneNumber: "1", Role: "BOSS"}, "role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fe := tc.in.Validate()
			if tc.field == "" {
				if !fe.Empty() {
					t.Fatalf("unexpected errors: %v", fe.Err())
				}
				if tc.in.Email != "pat@example.com" {
					t.Errorf("email not normalised: %q", tc.in.Email)
				}
				return
			}
			if !fe.Has(tc.field) {
				t.Errorf("no error on %s: %v", tc.field, fe.Err())
			}
		})
	}
}

func FuzzAddUserValidate(f *testing.F) {
	f.Add("pat@example.com", "Pat", "Smith", "555", "PA")
	f.Add("", "", "", "", "")
	f.Add("a@b", "\x00", "é", "+44 1234", "ADMIN")
	f.Fuzz(func(t *testing.T, email, first, last, phone, role string) {
		in := AddUserInput{Email: email, FirstName: first, LastName: last, PhoneNumber: phone, Role: role}
		if fe := in.Validate(); fe.Empty() && (in.Email == "" || in.FirstName == "" || in.PhoneNumber == "" ||
			(in.Role != pasched.RolePA && in.Role != pasched.RoleAdmin)) {
			t.Fatalf("accepted %+v", in)
		}
	})
}

func TestPeople(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		s := newService(t, d)
		ctx := context.Background()
		admin, _, err := s.CreateAdmin(ctx, pasched.NewUser{Email: "ada@example.com", FirstName: "Ada", PhoneNumber: "1"}, "Adm1n-Pass-2030!")
		if err != nil {
			t.Fatal(err)
		}

		// Adding a PA: no usable password, an invitation with a link that
		// sets one and confirms the address, an audit entry.
		pa, err := s.AddUser(ctx, admin, AddUserInput{Email: "Pat@example.com", FirstName: "Pat", LastName: "Jones", PhoneNumber: "07700", Role: pasched.RolePA})
		if err != nil {
			t.Fatal(err)
		}
		if pa.Role != pasched.RolePA || pa.IsEmailVerified || !pa.IsActive || pa.Email != "pat@example.com" {
			t.Errorf("added PA: %+v", pa)
		}
		if _, err := s.Login(ctx, "pat@example.com", ""); err == nil {
			t.Error("a new account signs in without a password")
		}
		emails := queuedEmails(t, s.DB)
		if len(emails) != 1 {
			t.Fatalf("%d emails queued, want the invitation", len(emails))
		}
		text, _ := emails[0]["text"].(string)
		link := regexp.MustCompile(`http://f\.test/reset-password\?token=([0-9a-f-]+)`).FindStringSubmatch(text)
		if link == nil || !strings.Contains(text, "Ada has added you") {
			t.Fatalf("invitation text:\n%s", text)
		}
		if err := s.ConfirmPasswordReset(ctx, link[1], "A-new-Passw0rd!"); err != nil {
			t.Fatal(err)
		}
		res, err := s.Login(ctx, "pat@example.com", "A-new-Passw0rd!")
		if err != nil {
			t.Fatal(err)
		}
		if !res.User.IsEmailVerified {
			t.Error("choosing the password did not confirm the address")
		}

		// The same email twice is refused beside the field, and no row or
		// email or audit entry is left of the failed attempt.
		_, err = s.AddUser(ctx, admin, AddUserInput{Email: "pat@example.com", FirstName: "Pat", PhoneNumber: "1", Role: pasched.RolePA})
		var perr *pasched.Error
		if pasched.ErrorCode(err) != pasched.EINVALID {
			t.Fatalf("duplicate: %v", err)
		}
		_ = perr
		// A PA may not manage people.
		if _, err := s.AddUser(ctx, pa, AddUserInput{Email: "x@example.com", FirstName: "X", PhoneNumber: "1", Role: pasched.RoleAdmin}); pasched.ErrorCode(err) != pasched.EFORBIDDEN {
			t.Errorf("PA adds a user: %v", err)
		}
		if _, err := s.SetActive(ctx, pa, admin.ID, false); pasched.ErrorCode(err) != pasched.EFORBIDDEN {
			t.Errorf("PA deactivates: %v", err)
		}
		if _, err := s.SetActive(ctx, admin, admin.ID, false); pasched.ErrorCode(err) != pasched.EINVALID {
			t.Errorf("admin deactivates themself: %v", err)
		}

		// Deactivation: web sessions end, tokens are refused at once.
		_, ws, err := s.SignIn(ctx, "pat@example.com", "A-new-Passw0rd!", ClientInfo{UserAgent: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, res.Tokens.Access); err != nil {
			t.Fatalf("token before deactivation: %v", err)
		}
		if _, err := s.SetActive(ctx, admin, pa.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.WebSessionUser(ctx, ws.Token); err == nil {
			t.Error("web session survives deactivation")
		}
		if _, err := s.Authenticate(ctx, res.Tokens.Access); err == nil {
			t.Error("access token survives deactivation")
		}
		if _, err := s.Refresh(ctx, res.Tokens.Refresh); err == nil {
			t.Error("refresh token survives deactivation")
		}
		if _, err := s.Login(ctx, "pat@example.com", "A-new-Passw0rd!"); err == nil {
			t.Error("a deactivated user signs in")
		}
		// Deactivating twice records nothing more.
		if _, err := s.SetActive(ctx, admin, pa.ID, false); err != nil {
			t.Fatal(err)
		}
		// Reactivated: signs in afresh; the old token stays refused.
		if _, err := s.SetActive(ctx, admin, pa.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, res.Tokens.Access); err == nil {
			t.Error("a token from before deactivation works after reactivation")
		}
		if _, err := s.Login(ctx, "pat@example.com", "A-new-Passw0rd!"); err != nil {
			t.Errorf("reactivated user: %v", err)
		}

		// Resend verification: only for an unconfirmed address.
		if err := s.ResendVerification(ctx, admin, pa.ID); pasched.ErrorCode(err) != pasched.EINVALID {
			t.Errorf("resend to a confirmed address: %v", err)
		}
		other, err := s.AddUser(ctx, admin, AddUserInput{Email: "sam@example.com", FirstName: "Sam", PhoneNumber: "2", Role: pasched.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		if !other.IsStaff || other.Role != pasched.RoleAdmin {
			t.Errorf("added admin: %+v", other)
		}
		if err := s.ResendVerification(ctx, admin, other.ID); err != nil {
			t.Fatal(err)
		}
		if n := len(queuedEmails(t, s.DB)); n != 3 {
			t.Errorf("%d emails, want invitation ×2 and one verification", n)
		}

		want := []string{pasched.AuditUserCreated, pasched.AuditUserDeactivated, pasched.AuditUserReactivated,
			pasched.AuditUserCreated, pasched.AuditVerificationResent}
		if got := auditKinds(t, s.DB); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("audit trail %v, want %v", got, want)
		}
		es, _ := sqlstore.FindAudit(ctx, s.DB, pasched.AuditFilter{Kind: pasched.AuditUserDeactivated})
		if len(es) != 1 || *es[0].ActorID != admin.ID || *es[0].SubjectUserID != pa.ID ||
			!strings.Contains(es[0].Before, `"is_active":true`) || !strings.Contains(es[0].After, `"is_active":false`) ||
			strings.Contains(es[0].After, "argon2") {
			t.Errorf("deactivation entry: %+v", es)
		}
	})
}

func TestRevokeAllTokensAt(t *testing.T) {
	t.Parallel()
	reset := time.Date(2030, 1, 1, 10, 0, 5, 400_000_000, time.UTC)
	u := &pasched.User{TokensValidAfter: &reset}
	// A token issued just after the reset is dated at the next whole second.
	iat := issueTime(u, reset.Add(time.Millisecond))
	for _, now := range []time.Time{reset.Add(2 * time.Millisecond), iat, iat.Add(time.Second)} {
		tva := revokeAllTokensAt(u, now)
		after := &pasched.User{TokensValidAfter: &tva}
		if !TokenRevoked(after, token.Claims{Iat: iat.Unix()}) {
			t.Errorf("revocation at %v leaves the token of %v valid", now, iat)
		}
		if next := issueTime(after, now); TokenRevoked(after, token.Claims{Iat: next.Unix()}) {
			t.Errorf("a token issued after the revocation at %v is refused", now)
		}
	}
	if got := revokeAllTokensAt(&pasched.User{}, reset); !got.Equal(reset) {
		t.Errorf("first revocation at %v", got)
	}
}
