package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"pasched"
	"pasched/jobs"
	"pasched/password"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/token"
)

// The expected bodies of the validation tables below were recorded from
// the seed's server (shared/reference) for the same requests; where SPEC
// §3 fixes the seed, the test says so.

// authCase is one request body and the whole 400 body it gets.
type authCase struct {
	name, body, want string
}

// runAuthCases posts each body to path and expects status and want.
func runAuthCases(t *testing.T, e *env, path string, status int, cases []authCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expect(t, e.do("POST", path, c.body, nil), status, c.want)
		})
	}
}

// alice is the PA the tables' duplicates collide with: the contract's
// alice, registered through the API so her password is hers.
const alicePassword = "Sunflower-Orbit-42"

func registerAlice(t *testing.T, e *env) *pasched.User {
	t.Helper()
	expect(t, e.do("POST", "/api/auth/register/", map[string]string{"email": "alice@example.com", "username": "alice",
		"first_name": "Alice", "last_name": "Anderson", "phone_number": "555-0101", "password": alicePassword,
		"password_confirm": alicePassword}, nil), 201, "")
	u, err := sqlstore.FindUserByEmail(context.Background(), e.db, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// tokens are what a login answered.
type tokens struct{ Access, Refresh string }

// login signs in through the API and returns the tokens.
func login(t *testing.T, e *env, email, pw string) tokens {
	t.Helper()
	r := e.do("POST", "/api/auth/login/", map[string]string{"email": email, "password": pw}, nil)
	if r.Status != 200 {
		t.Fatalf("login %s: %d %s", email, r.Status, r.Body)
	}
	var out struct{ Tokens tokens }
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatal(err)
	}
	return out.Tokens
}

func userWant(u *pasched.User, verified bool) string {
	return fmt.Sprintf(`{"id":%d,"email":%q,"username":%q,"first_name":%q,"last_name":%q,"phone_number":%q,"role":%q,"is_email_verified":%t,"date_joined":"<ts>"}`,
		u.ID, u.Email, u.Username, u.FirstName, u.LastName, u.PhoneNumber, u.Role, verified)
}

const (
	bodyNotProvided = `{"detail":"Authentication credentials were not provided."}`
	bodyBadRefresh  = `{"error":"Invalid or expired refresh token."}`
	bodyBadLogin    = `{"non_field_errors":["Unable to log in with provided credentials."]}`
	bodyResetSent   = `{"message":"If that email exists, a password reset link has been sent."}`
)

func tokenInvalidBody(msg string) string {
	return `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"` + msg + `"}]}`
}

func TestRegister(t *testing.T) {
	// Not parallel: the "created" case hashes at the production cost
	// (TestMain set the cheap one for the other tests; none runs in
	// parallel with this one).
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		registerAlice(t, e)
		runAuthCases(t, e, "/api/auth/register/", 400, []authCase{
			{"empty object", `{}`, `{"email":["This field is required."],"username":["This field is required."],"password":["This field is required."],"password_confirm":["This field is required."],"phone_number":["This field is required."]}`},
			{"no body", ``, `{"email":["This field is required."],"username":["This field is required."],"password":["This field is required."],"password_confirm":["This field is required."],"phone_number":["This field is required."]}`},
			{"nulls", `{"email": null, "username": null, "first_name": null, "last_name": null, "phone_number": null, "password": null, "password_confirm": null}`, `{"email":["This field may not be null."],"username":["This field may not be null."],"password":["This field may not be null."],"password_confirm":["This field may not be null."],"first_name":["This field may not be null."],"last_name":["This field may not be null."],"phone_number":["This field may not be null."]}`},
			{"blanks", `{"email": "", "username": "", "first_name": "", "last_name": "", "phone_number": "", "password": "", "password_confirm": ""}`, `{"email":["This field may not be blank."],"username":["This field may not be blank."],"password":["This field may not be blank."],"password_confirm":["This field may not be blank."],"phone_number":["This field may not be blank."]}`},
			{"white space only", `{"email": "   ", "username": "\t", "first_name": " ", "last_name": " ", "phone_number": " ", "password": "  ", "password_confirm": "\n"}`, `{"email":["This field may not be blank."],"username":["This field may not be blank."],"password":["This field may not be blank."],"password_confirm":["This field may not be blank."],"phone_number":["This field may not be blank."]}`},
			{"numbers", `{"email": 1, "username": 2, "first_name": 4, "last_name": 5.5, "phone_number": 6, "password": 3, "password_confirm": 3}`, `{"email":["Enter a valid email address."],"password":["This password is too short. It must contain at least 8 characters.","This password is too common.","This password is entirely numeric."]}`},
			{"booleans lists objects", `{"email": true, "username": false, "first_name": [1], "last_name": {"a": 1}, "phone_number": true, "password": [], "password_confirm": {}}`, `{"email":["Enter a valid email address."],"username":["Not a valid string."],"password":["Not a valid string."],"password_confirm":["Not a valid string."],"first_name":["Not a valid string."],"last_name":["Not a valid string."],"phone_number":["Not a valid string."]}`},
			{"too long", `{"email": "` + strings.Repeat("x", 250) + `@e.com", "username": "` + strings.Repeat("u", 151) + `", "first_name": "` + strings.Repeat("f", 151) + `", "last_name": "` + strings.Repeat("l", 151) + `", "phone_number": "111111111111111111111", "password": "Maple-Comet-55", "password_confirm": "Maple-Comet-55"}`, `{"email":["Ensure this field has no more than 254 characters."],"username":["Ensure this field has no more than 150 characters."],"first_name":["Ensure this field has no more than 150 characters."],"last_name":["Ensure this field has no more than 150 characters."],"phone_number":["Ensure this field has no more than 20 characters."]}`},
			{"too long and invalid", `{"email": "` + strings.Repeat("bad", 100) + `", "username": "` + strings.Repeat("bad name!", 20) + `", "first_name": "Erin", "last_name": "Evans", "phone_number": "555-0106", "password": "Maple-Comet-55", "password_confirm": "Maple-Comet-55"}`, `{"email":["Ensure this field has no more than 254 characters.","Enter a valid email address."],"username":["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.","Ensure this field has no more than 150 characters."]}`},
			{"invalid email", `{"email": "not-an-email", "username": "erin", "first_name": "Erin", "last_name": "Evans", "phone_number": "555-0106", "password": "Maple-Comet-55", "password_confirm": "Maple-Comet-55"}`, `{"email":["Enter a valid email address."]}`},
			{"email without a dot", `{"email": "erin@example", "username": "erin", "first_name": "Erin", "last_name": "Evans", "phone_number": "555-0106", "password": "Maple-Comet-55", "password_confirm": "Maple-Comet-55"}`, `{"email":["Enter a valid email address."]}`},
			{"email with two @", `{"email": "erin@@example.com", "username": "erin", "first_name": "Erin", "last_name": "Evans", "phone_number": "555-0106", "password": "Maple-Comet-55", "password_confirm": "Maple-Comet-55"}`, `{"email":["Enter a valid email address."]}`},
			{"email with space", `{"email": "erin smith@example.com", "username": "erin", "first_name": "Erin", "last_name": "Evans", "phone_number": "555-0106", "password": "Maple-Comet-55", "password_confirm": "Maple-Comet-55"}`, `{"email":["Enter a valid email address."]}`},
			{"invalid username", `{"email": "erin@example.com", "username": "bad name!", "first_name": "Erin", "last_name": "Evans", "phone_number": "555-0106", "password": "Maple-Comet-55", "password_confirm": "Maple-Comet-55"}`, `{"username":["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."]}`},
			// Two messages, as the seed: the model's exact UniqueValidator,
			// then the serializer's lower-cased check.
			{"exact duplicate email", `{"email": "alice@example.com", "username": "erin", "first_name": "Erin", "last_name": "Evans", "phone_number": "555-0106", "password": "Maple-Comet-55", "password_confirm": "Maple-Comet-55"}`, `{"email":["User with this email already exists."]}`},
			{"duplicate email in another case", `{"email": "ALICE@Example.COM", "username": "erin", "first_name": "Erin", "last_name": "Evans", "phone_number": "555-0106", "password": "Maple-Comet-55", "password_confirm": "Maple-Comet-55"}`, `{"email":["A user with this email already exists."]}`},
			{"duplicate username", `{"email": "erin@example.com", "username": "alice", "first_name": "Erin", "last_name": "Evans", "phone_number": "555-0106", "password": "Maple-Comet-55", "password_confirm": "Maple-Comet-55"}`, `{"username":["A user with that username already exists."]}`},
			{"duplicate email and username, missing field", `{"email": "alice@example.com", "username": "alice", "first_name": "Erin", "last_name": "Evans", "phone_number": "555-0106", "password": "Maple-Comet-55"}`, `{"email":["User with this email already exists."],"username":["A user with that username already exists."],"password_confirm":["This field is required."]}`},
			{"password too short", `{"email": "erin@example.com", "username": "erin", "first_name": "Erin", "last_name": "Evans", "phone_number": "555-0106", "password": "Ab1-x", "password_confirm": "Ab1-x"}`, `{"password":["This password is too short. It must contain at least 8 characters."]}`},
			{"password too common", `{"email": "erin@example.com", "username": "erin", "first_name": "Erin", "last_name": "Evans", "phone_number": "555-0106", "password": "password", "password_confirm": "password"}`, `{"password":["This password is too common."]}`},
			{"password numeric", `{"email": "erin@example.com", "username": "erin", "first_name": "Erin", "last_name": "Evans", "phone_number": "555-0106", "password": "8937465012", "password_confirm": "8937465012"}`, `{"password":["This password is entirely numeric."]}`},
			{"password short, common and numeric", `{"email": "erin@example.com", "username": "erin", "first_name": "Erin", "last_name": "Evans", "phone_number": "555-0106", "password": "1234", "password_confirm": "1234"}`, `{"password":["This password is too short. It must contain at least 8 characters.","This password is too common.","This password is entirely numeric."]}`},
			{"passwords differ", `{"email": "erin@example.com", "username": "erin", "first_name": "Erin", "last_name": "Evans", "phone_number": "555-0106", "password": "Maple-Comet-55", "password_confirm": "Maple-Comet-56"}`, `{"password":["Password fields didn't match."]}`},
			{"null character", `{"email": "erin@example.com", "username": "erin", "first_name": "x\u0000", "last_name": "Evans", "phone_number": "555-0106", "password": "a\u0000", "password_confirm": "a\u0000"}`, `{"password":["This password is too short. It must contain at least 8 characters.","Null characters are not allowed."],"password_confirm":["Null characters are not allowed."],"first_name":["Null characters are not allowed."]}`},
			{"lone surrogate", `{"email":"erin@example.com","username":"erin","phone_number":"1","password":"Maple-Comet-55","password_confirm":"Maple-Comet-55","last_name":"\udc00x"}`, `{"last_name":["Surrogate characters are not allowed: U+DC00."]}`},
			{"not an object", `["erin@example.com"]`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
		})
		if n := e.count(`SELECT COUNT(*) FROM users`); n != 1 {
			t.Fatalf("refused registrations wrote users: %d", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM river_job`); n != 1 {
			t.Fatalf("refused registrations wrote jobs: %d", n)
		}

		t.Run("created", func(t *testing.T) {
			// A registration's hash has the production cost.
			defer password.SetTestCost(password.ProductionCost())()
			// Read-only and unknown fields are ignored: no way to register
			// as an admin or as verified. The email is stored lower-case;
			// strings are trimmed (the password too, as DRF's CharField).
			r := e.do("POST", "/api/auth/register/", `{"email":" Erin@Example.COM ","username":"erin","first_name":" Erin ","last_name":"Evans",
				"phone_number":"555-0106","password":" Maple-Comet-55 ","password_confirm":"Maple-Comet-55",
				"role":"ADMIN","is_email_verified":true,"is_staff":true,"is_superuser":true,"id":999,"date_joined":"2000-01-01T00:00:00Z"}`, nil)
			u, err := sqlstore.FindUserByEmail(context.Background(), e.db, "erin@example.com")
			if err != nil {
				t.Fatalf("%v (%d %s)", err, r.Status, r.Body)
			}
			expect(t, r, 201, `{"message":"Registration successful. Please check your email to verify your account.","user":`+
				fmt.Sprintf(`{"id":%d,"email":"erin@example.com","username":"erin","first_name":"Erin","last_name":"Evans","phone_number":"555-0106","role":"PA","is_email_verified":false,"date_joined":"<ts>"}}`, u.ID))
			if u.Role != pasched.RolePA || u.IsEmailVerified || u.IsStaff || u.IsSuperuser || !u.IsActive || u.LastLogin != nil {
				t.Errorf("stored user %+v", u)
			}
			if time.Since(u.DateJoined) > time.Minute || time.Since(u.DateJoined) < 0 {
				t.Errorf("date_joined %v", u.DateJoined)
			}
			if !strings.HasPrefix(u.PasswordHash, "argon2$argon2id$v=19$m=19456,t=2,p=1$") {
				t.Errorf("hash %q", u.PasswordHash)
			}
			if ok, _, _ := password.Verify("Maple-Comet-55", u.PasswordHash); !ok {
				t.Error("the trimmed password does not verify")
			}
			// The seed's post_save signal: a PA profile (40 h) and a stats row.
			if n := e.count(`SELECT COUNT(*) FROM pa_profiles WHERE user_id = $1 AND max_hours_per_week = 40`, u.ID); n != 1 {
				t.Errorf("pa profile rows %d", n)
			}
			if n := e.count(`SELECT COUNT(*) FROM pa_schedule_stats WHERE pa_id = $1`, u.ID); n != 1 {
				t.Errorf("pa stats rows %d", n)
			}
			// One verification token (7 days) and its email job, same transaction.
			tok, exp := verificationToken(t, e, u.ID)
			if d := time.Until(exp); d < 7*24*time.Hour-time.Minute || d > 7*24*time.Hour {
				t.Errorf("token expires in %v", d)
			}
			m := emailJobs(t, e)
			if len(m) != 2 || m[1].To[0] != "erin@example.com" || !strings.Contains(m[1].Text, "http://frontend.test/verify-email?token="+tok) ||
				!strings.Contains(m[1].HTML, "http://frontend.test/verify-email?token="+tok) {
				t.Errorf("email jobs %+v", m)
			}
			// And the account works.
			login(t, e, "ERIN@example.com", "Maple-Comet-55")
		})

		t.Run("username case and similarity", func(t *testing.T) {
			// Usernames are unique as written (Django compares exactly); the
			// seed runs the password validators without a user, so a
			// password like the email is accepted.
			expect(t, e.do("POST", "/api/auth/register/", map[string]string{"email": "al@example.com", "username": "ALICE",
				"phone_number": "1", "password": "al@example.com", "password_confirm": "al@example.com"}, nil), 201, `{"message":"<any>","user":"<any>"}`)
		})
	})
}

// verificationToken returns the newest verification token of a user.
func verificationToken(t *testing.T, e *env, userID int64) (string, time.Time) {
	t.Helper()
	var tok string
	var exp time.Time
	err := e.db.QueryRowContext(context.Background(), `SELECT token, expires_at FROM email_verification_tokens WHERE user_id = $1 ORDER BY id DESC LIMIT 1`, userID).
		Scan(&tok, tsScanner{&exp})
	if err != nil {
		t.Fatal(err)
	}
	return tok, exp
}

// tsScanner scans a timestamp from either engine (TEXT or TIMESTAMPTZ).
type tsScanner struct{ t *time.Time }

func (s tsScanner) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*s.t = v
		return nil
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	}
	return fmt.Errorf("timestamp: %T", src)
}

func (s tsScanner) parse(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	*s.t = t
	return err
}

// emailJobs returns the email jobs' arguments, oldest first.
func emailJobs(t *testing.T, e *env) []jobs.EmailArgs {
	t.Helper()
	// River keeps args as JSONB on both engines: SQLite's binary form needs json().
	q := `SELECT args::text FROM river_job WHERE kind = 'email' ORDER BY id`
	if e.dialect == sqlstore.SQLite {
		q = `SELECT json(args) FROM river_job WHERE kind = 'email' ORDER BY id`
	}
	rows, err := e.db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []jobs.EmailArgs
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var a jobs.EmailArgs
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func TestVerifyEmail(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		alice := registerAlice(t, e)
		runAuthCases(t, e, "/api/auth/verify-email/", 400, []authCase{
			{"missing", `{}`, `{"token":["This field is required."]}`},
			{"null", `{"token": null}`, `{"token":["This field may not be null."]}`},
			{"blank", `{"token": ""}`, `{"token":["Must be a valid UUID."]}`},
			{"garbage", `{"token": "abc"}`, `{"token":["Must be a valid UUID."]}`},
			{"list", `{"token": []}`, `{"token":["Must be a valid UUID."]}`},
			{"float", `{"token": 1.5}`, `{"token":["Must be a valid UUID."]}`},
			{"padded", `{"token": " 12345678-1234-1234-1234-123456789abc "}`, `{"token":["Must be a valid UUID."]}`},
			{"33 digits", `{"token": "12345678-1234-1234-1234-123456789abcd"}`, `{"token":["Must be a valid UUID."]}`},
			{"negative int", `{"token": -1}`, `{"token":["Must be a valid UUID."]}`},
			{"int too big", `{"token": 340282366920938463463374607431768211456}`, `{"token":["Must be a valid UUID."]}`},
			{"unknown", `{"token": "12345678-1234-1234-1234-123456789abc"}`, `{"error":"Invalid verification token."}`},
			{"unknown as int", `{"token": 1}`, `{"error":"Invalid verification token."}`},
			{"unknown hex", `{"token": "12345678123412341234123456789abc"}`, `{"error":"Invalid verification token."}`},
		})

		tok, _ := verificationToken(t, e, alice.ID)
		verified := `{"message":"Email verified successfully. You can now log in.","user":` + userWant(alice, true) + `}`
		// Any spelling of the UUID that Python's uuid.UUID reads finds it.
		expect(t, e.do("POST", "/api/auth/verify-email/", map[string]string{"token": "{urn:uuid:" + strings.ToUpper(tok) + "}"}, nil), 200, verified)
		var flag bool
		if err := e.db.QueryRowContext(context.Background(), `SELECT is_email_verified FROM users WHERE id = $1`, alice.ID).Scan(&flag); err != nil || !flag {
			t.Fatalf("is_email_verified %v %v", flag, err)
		}
		used := `{"error":"Verification token has expired or been used."}`
		expect(t, e.do("POST", "/api/auth/verify-email/", map[string]string{"token": tok}, nil), 400, used)

		// An expired token (the seed's 7 days) is refused and leaves the user unverified.
		bob := e.pa("bob@example.com", "Bob", "Brown")
		tok2 := newOneTimeToken(t, e, sqlstore.VerificationTokens, bob.ID)
		e.exec(`UPDATE email_verification_tokens SET expires_at = $1 WHERE token = $2`, stamp(e, time.Now().Add(-time.Second)), tok2)
		expect(t, e.do("POST", "/api/auth/verify-email/", map[string]string{"token": tok2}, nil), 400, used)
		if n := e.count(`SELECT COUNT(*) FROM users WHERE id = $1 AND is_email_verified = $2`, bob.ID, false); n != 1 {
			t.Fatal("an expired token verified the user")
		}
		// A UUID given as an integer (DRF's UUIDField reads uuid.UUID(int=…)).
		tok3 := newOneTimeToken(t, e, sqlstore.VerificationTokens, bob.ID)
		expect(t, e.do("POST", "/api/auth/verify-email/", `{"token": `+uuidAsInt(t, tok3)+`}`, nil), 200,
			`{"message":"Email verified successfully. You can now log in.","user":`+userWant(bob, true)+`}`)
	})
}

// newOneTimeToken stores a fresh token of kind table for a user.
func newOneTimeToken(t *testing.T, e *env, table string, userID int64) string {
	t.Helper()
	var tok string
	err := e.db.WriteTx(context.Background(), func(tx *sqlstore.Tx) error {
		ot, err := sqlstore.CreateOneTimeToken(context.Background(), tx, table, userID, newUUID(), time.Hour)
		if err == nil {
			tok = ot.Token
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// stamp is a timestamp as the store writes it.
func stamp(e *env, t time.Time) any {
	if e.dialect == sqlstore.Postgres {
		return t.UTC()
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func newUUID() string {
	var b [16]byte
	now := time.Now().UnixNano()
	for i := range b {
		b[i] = byte(now >> (i % 8 * 8))
		now = now*6364136223846793005 + 1442695040888963407
	}
	h := fmt.Sprintf("%x", b)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}

// uuidAsInt is the decimal integer of a UUID.
func uuidAsInt(t *testing.T, u string) string {
	t.Helper()
	h := strings.ReplaceAll(u, "-", "")
	// Long division of the 128-bit value by 10, in base 2^32 limbs.
	var limbs [4]uint64
	for i := range limbs {
		fmt.Sscanf(h[i*8:i*8+8], "%x", &limbs[i])
	}
	var digits []byte
	for limbs != [4]uint64{} {
		var rem uint64
		for i := range limbs {
			cur := rem<<32 | limbs[i]
			limbs[i], rem = cur/10, cur%10
		}
		digits = append([]byte{byte('0' + rem)}, digits...)
	}
	if len(digits) == 0 {
		return "0"
	}
	return string(digits)
}

func TestLogin(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		alice := registerAlice(t, e)
		runAuthCases(t, e, "/api/auth/login/", 400, []authCase{
			{"empty object", `{}`, `{"email":["This field is required."],"password":["This field is required."]}`},
			{"nulls", `{"email": null, "password": null}`, `{"email":["This field may not be null."],"password":["This field may not be null."]}`},
			{"blanks", `{"email": "", "password": " "}`, `{"email":["This field may not be blank."],"password":["This field may not be blank."]}`},
			{"wrong types", `{"email": true, "password": []}`, `{"email":["Enter a valid email address."],"password":["Not a valid string."]}`},
			{"number email", `{"email": 5, "password": 5}`, `{"email":["Enter a valid email address."]}`},
			{"invalid email", `{"email": "alice", "password": "x"}`, `{"email":["Enter a valid email address."]}`},
			{"wrong password", `{"email": "alice@example.com", "password": "Sunflower-Orbit-43"}`, bodyBadLogin},
			{"unknown email", `{"email": "nobody@example.com", "password": "Sunflower-Orbit-42"}`, bodyBadLogin},
			// The login serializer's EmailField has no max_length.
			{"long unknown email", `{"email": "` + strings.Repeat("a", 300) + `@example.com", "password": "x"}`, bodyBadLogin},
			{"password with a null character", `{"email": "alice@example.com", "password": "Sunflower-Orbit-42\u0000"}`, `{"password":["Null characters are not allowed."]}`},
		})
		if alice.LastLogin != nil {
			t.Fatal("last_login set before any login")
		}

		before := time.Now().Add(-time.Second)
		r := e.do("POST", "/api/auth/login/", map[string]string{"email": " ALICE@example.com ", "password": " " + alicePassword + " "}, nil)
		expect(t, r, 200, `{"message":"Login successful.","user":`+userWant(alice, false)+`,"tokens":{"refresh":"<jwt>","access":"<jwt>"}}`)
		var out struct{ Tokens tokens }
		json.Unmarshal(r.Body, &out)
		ac, err := e.signer.Parse(out.Tokens.Access, token.Access)
		if err != nil || int64(ac.UserID) != alice.ID || ac.Exp-ac.Iat != 3600 {
			t.Fatalf("access claims %+v %v", ac, err)
		}
		rc, err := e.signer.Parse(out.Tokens.Refresh, token.Refresh)
		if err != nil || int64(rc.UserID) != alice.ID || rc.Exp-rc.Iat != 7*24*3600 {
			t.Fatalf("refresh claims %+v %v", rc, err)
		}
		// The refresh token is recorded (simplejwt's OutstandingToken), and
		// last_login is stamped (SPEC §3 item 11).
		if n := e.count(`SELECT COUNT(*) FROM outstanding_tokens WHERE jti = $1 AND user_id = $2`, rc.JTI, alice.ID); n != 1 {
			t.Errorf("outstanding token rows %d", n)
		}
		u, _ := sqlstore.FindUserByID(context.Background(), e.db, alice.ID)
		if u.LastLogin == nil || u.LastLogin.Before(before) || u.LastLogin.After(time.Now()) {
			t.Errorf("last_login %v", u.LastLogin)
		}
		expect(t, e.do("GET", "/api/auth/me/", nil, out.Tokens.Access), 200, userWant(alice, false))

		t.Run("inactive user", func(t *testing.T) {
			// Django's ModelBackend refuses an inactive user with the same words.
			e.exec(`UPDATE users SET is_active = $1 WHERE id = $2`, false, alice.ID)
			defer e.exec(`UPDATE users SET is_active = $1 WHERE id = $2`, true, alice.ID)
			expect(t, e.do("POST", "/api/auth/login/", map[string]string{"email": "alice@example.com", "password": alicePassword}, nil), 400, bodyBadLogin)
		})
		t.Run("unusable password", func(t *testing.T) {
			e.exec(`UPDATE users SET password = $1 WHERE id = $2`, "!unusable", alice.ID)
			defer e.exec(`UPDATE users SET password = $1 WHERE id = $2`, u.PasswordHash, alice.ID)
			expect(t, e.do("POST", "/api/auth/login/", map[string]string{"email": "alice@example.com", "password": "!unusable"}, nil), 400, bodyBadLogin)
		})
		t.Run("pbkdf2 hash upgraded", func(t *testing.T) {
			// A Django pbkdf2_sha256 hash verifies and is replaced by
			// argon2id at the first login. Django 5.2 writes 1,000,000
			// iterations (the password package's vectors verify one); this
			// one, made as Django does (hashlib.pbkdf2_hmac, base64), has
			// 1,000, so that its two verifications cost ~0.4 ms, not ~400 ms:
			// the count is data, the path is the same.
			const django = "pbkdf2_sha256$1000$Xr8mKq2vT9pLw3Zd$qWmzvpRQ0UJUiTP9H553O6zWvDQjrY71uoXpQuDciTo="
			e.exec(`UPDATE users SET password = $1 WHERE id = $2`, django, alice.ID)
			expect(t, e.do("POST", "/api/auth/login/", map[string]string{"email": "alice@example.com", "password": "wrong-password"}, nil), 400, bodyBadLogin)
			if u, _ := sqlstore.FindUserByID(context.Background(), e.db, alice.ID); u.PasswordHash != django {
				t.Fatal("a failed login changed the hash")
			}
			login(t, e, "alice@example.com", alicePassword)
			u, _ := sqlstore.FindUserByID(context.Background(), e.db, alice.ID)
			if !strings.HasPrefix(u.PasswordHash, "argon2$argon2id$") {
				t.Fatalf("hash not upgraded: %q", u.PasswordHash)
			}
			if ok, rehash, err := password.Verify(alicePassword, u.PasswordHash); !ok || rehash || err != nil {
				t.Fatalf("new hash: %v %v %v", ok, rehash, err)
			}
			login(t, e, "alice@example.com", alicePassword)
		})
	})
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		alice := registerAlice(t, e)
		tk := login(t, e, "alice@example.com", alicePassword)
		required := `{"error":"Refresh token is required."}`
		// request.data.get('refresh') in the seed: anything Python finds
		// false is "required"; any other non-token is refused.
		runAuthCases(t, e, "/api/auth/refresh/", 400, []authCase{
			{"missing", `{}`, required}, {"no body", ``, required}, {"null", `{"refresh":null}`, required},
			{"blank", `{"refresh":""}`, required}, {"zero", `{"refresh":0}`, required}, {"false", `{"refresh":false}`, required},
			{"empty list", `{"refresh":[ ]}`, required}, {"empty object", `{"refresh":{}}`, required}, {"zero float", `{"refresh":0.0}`, required},
		})
		expired, _ := e.signer.IssuePair(alice.ID, time.Now().Add(-8*24*time.Hour))
		otherKey, _ := token.NewSigner("another-key").IssuePair(alice.ID, time.Now())
		runAuthCases(t, e, "/api/auth/refresh/", 401, []authCase{
			{"number", `{"refresh":1}`, bodyBadRefresh}, {"true", `{"refresh":true}`, bodyBadRefresh},
			{"list", `{"refresh":[1]}`, bodyBadRefresh}, {"garbage", `{"refresh":"garbage"}`, bodyBadRefresh},
			{"huge", `{"refresh":"` + strings.Repeat("x", 5000) + `"}`, bodyBadRefresh},
			{"access token", `{"refresh":"` + tk.Access + `"}`, bodyBadRefresh},
			{"expired", `{"refresh":"` + expired.Refresh + `"}`, bodyBadRefresh},
			{"signed with another key", `{"refresh":"` + otherKey.Refresh + `"}`, bodyBadRefresh},
		})
		r := e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": tk.Refresh}, nil)
		expect(t, r, 200, `{"access":"<jwt>"}`)
		var out struct{ Access string }
		json.Unmarshal(r.Body, &out)
		expect(t, e.do("GET", "/api/auth/me/", nil, out.Access), 200, userWant(alice, false))

		t.Run("inactive or deleted user", func(t *testing.T) {
			e.exec(`UPDATE users SET is_active = $1 WHERE id = $2`, false, alice.ID)
			expect(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": tk.Refresh}, nil), 401, bodyBadRefresh)
			e.exec(`UPDATE users SET is_active = $1 WHERE id = $2`, true, alice.ID)
			gone, _ := e.signer.IssuePair(999999, time.Now())
			expect(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": gone.Refresh}, nil), 401, bodyBadRefresh)
		})
	})
}

func TestLogout(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		registerAlice(t, e)
		bob := e.pa("bob@example.com", "Bob", "Brown")
		expect(t, e.do("POST", "/api/auth/logout/", map[string]string{"refresh": "x"}, nil), 401, bodyNotProvided)

		a := login(t, e, "alice@example.com", alicePassword)
		b := login(t, e, "bob@example.com", testPassword)
		ok := `{"message":"Logout successful."}`
		invalid := `{"error":"Invalid token."}`
		for _, body := range []string{``, `{}`, `{"refresh":null}`, `{"refresh":""}`, `{"refresh":0}`, `{"refresh":[]}`} {
			expect(t, e.do("POST", "/api/auth/logout/", body, a.Access), 200, ok)
		}
		for _, body := range []string{`{"refresh":"garbage"}`, `{"refresh":1}`, `{"refresh":true}`, `{"refresh":"` + a.Access + `"}`} {
			expect(t, e.do("POST", "/api/auth/logout/", body, a.Access), 400, invalid)
		}
		// Someone else's refresh token is refused and keeps working
		// (SPEC §3 item 12; the seed blacklisted it).
		expect(t, e.do("POST", "/api/auth/logout/", map[string]string{"refresh": b.Refresh}, a.Access), 400, invalid)
		expect(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": b.Refresh}, nil), 200, `{"access":"<jwt>"}`)
		if n := e.count(`SELECT COUNT(*) FROM blacklisted_tokens`); n != 0 {
			t.Fatalf("blacklisted rows %d", n)
		}

		// One's own: blacklisted, then refused by refresh and by a second logout.
		expect(t, e.do("POST", "/api/auth/logout/", map[string]string{"refresh": a.Refresh}, a.Access), 200, ok)
		expect(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": a.Refresh}, nil), 401, bodyBadRefresh)
		expect(t, e.do("POST", "/api/auth/logout/", map[string]string{"refresh": a.Refresh}, a.Access), 400, invalid)
		// The access token lives on until it expires, as with simplejwt.
		expect(t, e.do("GET", "/api/auth/me/", nil, a.Access), 200, `"<any>"`)
		// A token issued elsewhere (not recorded as outstanding) is recorded, then blacklisted.
		p, _ := e.signer.IssuePair(bob.ID, time.Now())
		expect(t, e.do("POST", "/api/auth/logout/", map[string]string{"refresh": p.Refresh}, bob), 200, ok)
		expect(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": p.Refresh}, nil), 401, bodyBadRefresh)
		expect(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": b.Refresh}, nil), 200, `{"access":"<jwt>"}`)
	})
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		registerAlice(t, e)
		runAuthCases(t, e, "/api/auth/password-reset/", 400, []authCase{
			{"missing", `{}`, `{"email":["This field is required."]}`},
			{"null", `{"email": null}`, `{"email":["This field may not be null."]}`},
			{"blank", `{"email": ""}`, `{"email":["This field may not be blank."]}`},
			{"invalid", `{"email": "bad"}`, `{"email":["Enter a valid email address."]}`},
			{"number", `{"email": 1}`, `{"email":["Enter a valid email address."]}`},
			{"boolean", `{"email": true}`, `{"email":["Enter a valid email address."]}`},
			{"list", `{"email": ["a@b.com"]}`, `{"email":["Enter a valid email address."]}`},
		})
		// No enumeration (SPEC §3 item 13): the same bytes, and the same
		// work — one job and the same number of queries — for a known and
		// an unknown address.
		jobsBefore := e.count(`SELECT COUNT(*) FROM river_job WHERE kind = 'password_reset_request'`)
		q0 := e.db.Queries()
		known := e.do("POST", "/api/auth/password-reset/", map[string]string{"email": "Alice@Example.com"}, nil)
		q1 := e.db.Queries()
		unknown := e.do("POST", "/api/auth/password-reset/", map[string]string{"email": "nobody@example.com"}, nil)
		q2 := e.db.Queries()
		expect(t, known, 200, bodyResetSent)
		if string(known.Body) != string(unknown.Body) || unknown.Status != 200 {
			t.Fatalf("known %s, unknown %d %s", known.Body, unknown.Status, unknown.Body)
		}
		if q1-q0 != q2-q1 {
			t.Fatalf("known email ran %d queries, unknown %d", q1-q0, q2-q1)
		}
		if n := e.count(`SELECT COUNT(*) FROM river_job WHERE kind = 'password_reset_request'`) - jobsBefore; n != 2 {
			t.Fatalf("reset jobs %d", n)
		}
		// The serializer's EmailField has no max_length.
		expect(t, e.do("POST", "/api/auth/password-reset/", map[string]string{"email": strings.Repeat("a", 300) + "@example.com"}, nil), 200, bodyResetSent)
		// Nothing is created before the job runs (jobs/ tests run it).
		if n := e.count(`SELECT COUNT(*) FROM password_reset_tokens`); n != 0 {
			t.Fatalf("tokens created by the request: %d", n)
		}
	})
}

func TestPasswordResetConfirm(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		alice := registerAlice(t, e)
		runAuthCases(t, e, "/api/auth/password-reset-confirm/", 400, []authCase{
			{"missing", `{}`, `{"token":["This field is required."],"password":["This field is required."],"password_confirm":["This field is required."]}`},
			{"nulls", `{"token": null, "password": null, "password_confirm": null}`, `{"token":["This field may not be null."],"password":["This field may not be null."],"password_confirm":["This field may not be null."]}`},
			{"blanks", `{"token": "", "password": "", "password_confirm": ""}`, `{"token":["Must be a valid UUID."],"password":["This field may not be blank."],"password_confirm":["This field may not be blank."]}`},
			{"bad token and short password", `{"token": "bad", "password": "short", "password_confirm": "x"}`, `{"token":["Must be a valid UUID."],"password":["This password is too short. It must contain at least 8 characters."]}`},
			{"passwords differ", `{"token": "12345678-1234-1234-1234-123456789abc", "password": "Maple-Comet-55", "password_confirm": "Maple-Comet-56"}`, `{"password":["Password fields didn't match."]}`},
			{"unknown token", `{"token": "12345678-1234-1234-1234-123456789abc", "password": "Maple-Comet-55", "password_confirm": "Maple-Comet-55"}`, `{"error":"Invalid reset token."}`},
			{"common password", `{"token": "12345678-1234-1234-1234-123456789abc", "password": "password", "password_confirm": "password"}`, `{"password":["This password is too common."]}`},
			{"numeric password", `{"token": "12345678-1234-1234-1234-123456789abc", "password": "12345678", "password_confirm": "12345678"}`, `{"password":["This password is too common.","This password is entirely numeric."]}`},
			{"null character", `{"token": "12345678-1234-1234-1234-123456789abc", "password": "a\u0000", "password_confirm": "a"}`, `{"password":["This password is too short. It must contain at least 8 characters.","Null characters are not allowed."]}`},
			{"wrong types", `{"token": "12345678-1234-1234-1234-123456789abc", "password": 123, "password_confirm": true}`, `{"password":["This password is too short. It must contain at least 8 characters.","This password is too common.","This password is entirely numeric."],"password_confirm":["Not a valid string."]}`},
		})

		// Sessions from before the reset, on two devices.
		s1 := login(t, e, "alice@example.com", alicePassword)
		s2 := login(t, e, "alice@example.com", alicePassword)
		t1 := newOneTimeToken(t, e, sqlstore.PasswordResetTokens, alice.ID)
		t2 := newOneTimeToken(t, e, sqlstore.PasswordResetTokens, alice.ID)
		expired := newOneTimeToken(t, e, sqlstore.PasswordResetTokens, alice.ID)
		e.exec(`UPDATE password_reset_tokens SET expires_at = $1 WHERE token = $2`, stamp(e, time.Now().Add(-time.Second)), expired)
		used := `{"error":"Reset token has expired or been used."}`
		const newPassword = "Velvet-Harbor-77"
		confirm := func(tok string) response {
			return e.do("POST", "/api/auth/password-reset-confirm/", map[string]string{"token": tok, "password": newPassword, "password_confirm": newPassword}, nil)
		}
		expect(t, confirm(expired), 400, used)

		expect(t, confirm(t1), 200, `{"message":"Password reset successful. You can now log in with your new password."}`)
		// Single use, and every other outstanding reset token is spent too (SPEC §3 item 8).
		expect(t, confirm(t1), 400, used)
		expect(t, confirm(t2), 400, used)
		// Every earlier token is refused (SPEC §3 items 8 and 12).
		for _, s := range []tokens{s1, s2} {
			r := e.do("GET", "/api/auth/me/", nil, s.Access)
			expect(t, r, 401, tokenInvalidBody("Token is invalid or expired"))
			if r.Header.Get("WWW-Authenticate") != `Bearer realm="api"` {
				t.Errorf("WWW-Authenticate %q", r.Header.Get("WWW-Authenticate"))
			}
			expect(t, e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": s.Refresh}, nil), 401, bodyBadRefresh)
		}
		if n := e.count(`SELECT COUNT(*) FROM outstanding_tokens o JOIN blacklisted_tokens b ON b.token_id = o.id WHERE o.user_id = $1`, alice.ID); n != 2 {
			t.Errorf("blacklisted refresh tokens %d, want 2", n)
		}
		// The old password is gone; the new one works at once, even in the
		// same second as the reset, and so do the tokens it gets.
		expect(t, e.do("POST", "/api/auth/login/", map[string]string{"email": "alice@example.com", "password": alicePassword}, nil), 400, bodyBadLogin)
		s3 := login(t, e, "alice@example.com", newPassword)
		expect(t, e.do("GET", "/api/auth/me/", nil, s3.Access), 200, userWant(alice, false))
		r := e.do("POST", "/api/auth/refresh/", map[string]string{"refresh": s3.Refresh}, nil)
		expect(t, r, 200, `{"access":"<jwt>"}`)
		var out struct{ Access string }
		json.Unmarshal(r.Body, &out)
		expect(t, e.do("GET", "/api/auth/me/", nil, out.Access), 200, userWant(alice, false))
		expect(t, e.do("POST", "/api/auth/logout/", map[string]string{"refresh": s1.Refresh}, s3.Access), 400, `{"error":"Invalid token."}`)
		expect(t, e.do("POST", "/api/auth/logout/", map[string]string{"refresh": s3.Refresh}, s3.Access), 200, `{"message":"Logout successful."}`)
	})
}

func TestMe(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		alice := e.pa("alice@example.com", "Alice", "Anderson")
		admin := e.admin("admin@example.com")

		r := e.do("GET", "/api/auth/me/", nil, nil)
		expect(t, r, 401, bodyNotProvided)
		if r.Header.Get("WWW-Authenticate") != `Bearer realm="api"` || r.Header.Get("Allow") != "GET, PUT, PATCH, HEAD, OPTIONS" {
			t.Errorf("headers %v", r.Header)
		}
		expect(t, e.do("PATCH", "/api/auth/me/", `{"first_name":"X"}`, nil), 401, bodyNotProvided)
		expect(t, e.do("GET", "/api/auth/me/", nil, alice), 200, userWant(alice, false))
		expect(t, e.do("GET", "/api/auth/me/", nil, admin), 200, userWant(admin, true))
		if r := e.do("HEAD", "/api/auth/me/", nil, alice); r.Status != 200 || len(r.Body) != 0 {
			t.Errorf("HEAD: %d %q", r.Status, r.Body)
		}
		r = e.do("DELETE", "/api/auth/me/", nil, alice)
		expect(t, r, 405, `{"detail":"Method \"DELETE\" not allowed."}`)
		if r.Header.Get("Allow") != "GET, PUT, PATCH, HEAD, OPTIONS" {
			t.Errorf("Allow %q", r.Header.Get("Allow"))
		}
		expect(t, e.do("POST", "/api/auth/me/", `{}`, alice), 405, `{"detail":"Method \"POST\" not allowed."}`)

		profile := func(first, last, phone string) string {
			return fmt.Sprintf(`{"first_name":%q,"last_name":%q,"phone_number":%q}`, first, last, phone)
		}
		// PATCH answers the three profile fields (the seed's serializer).
		expect(t, e.do("PATCH", "/api/auth/me/", `{"first_name":"Alicia","phone_number":"555-0111"}`, alice), 200, profile("Alicia", "Anderson", "555-0111"))
		expect(t, e.do("PATCH", "/api/auth/me/", `{}`, alice), 200, profile("Alicia", "Anderson", "555-0111"))
		expect(t, e.do("PATCH", "/api/auth/me/", ``, alice), 200, profile("Alicia", "Anderson", "555-0111"))
		expect(t, e.do("PATCH", "/api/auth/me/", `{"first_name":"  Al  ","last_name":""}`, alice), 200, profile("Al", "", "555-0111"))
		runMe := func(method string, cases []authCase) {
			for _, c := range cases {
				t.Run(method+" "+c.name, func(t *testing.T) {
					expect(t, e.do(method, "/api/auth/me/", c.body, alice), 400, c.want)
				})
			}
		}
		runMe("PATCH", []authCase{
			{"null", `{"first_name":null}`, `{"first_name":["This field may not be null."]}`},
			{"blank phone", `{"phone_number":""}`, `{"phone_number":["This field may not be blank."]}`},
			{"null phone", `{"phone_number":null}`, `{"phone_number":["This field may not be null."]}`},
			{"too long, wrong type", `{"phone_number":"` + strings.Repeat("1", 21) + `","first_name":"` + strings.Repeat("x", 151) + `","last_name":["a"]}`,
				`{"first_name":["Ensure this field has no more than 150 characters."],"last_name":["Not a valid string."],"phone_number":["Ensure this field has no more than 20 characters."]}`},
			{"list body", `[]`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
			{"null body", `null`, `{"non_field_errors":["No data provided"]}`},
		})
		// PUT needs the required field and answers the whole user.
		runMe("PUT", []authCase{
			{"empty", `{}`, `{"phone_number":["This field is required."]}`},
			{"blank phone", `{"first_name":"A","phone_number":" "}`, `{"phone_number":["This field may not be blank."]}`},
		})
		alice.FirstName, alice.LastName, alice.PhoneNumber = "Alice", "Anderson", "555-0101"
		expect(t, e.do("PUT", "/api/auth/me/", profile("Alice", "Anderson", "555-0101"), alice), 200, userWant(alice, false))

		// No privilege escalation (SPEC §3 item 11): role, email,
		// verification and the rest are ignored by PUT and PATCH alike.
		escalate := `{"first_name":"Alice","last_name":"Anderson","phone_number":"555-0101","role":"ADMIN","email":"evil@example.com",
			"username":"root","is_email_verified":true,"is_staff":true,"is_superuser":true,"is_active":false,"id":1,"password":"x"}`
		expect(t, e.do("PUT", "/api/auth/me/", escalate, alice), 200, userWant(alice, false))
		expect(t, e.do("PATCH", "/api/auth/me/", escalate, alice), 200, profile("Alice", "Anderson", "555-0101"))
		u, _ := sqlstore.FindUserByID(context.Background(), e.db, alice.ID)
		if u.Role != pasched.RolePA || u.Email != "alice@example.com" || u.Username != "alice" || u.IsEmailVerified || u.IsStaff ||
			u.IsSuperuser || !u.IsActive || u.PasswordHash != alice.PasswordHash {
			t.Fatalf("stored user changed: %+v", u)
		}
		expect(t, e.do("GET", "/api/auth/me/", nil, alice), 200, userWant(alice, false))

		// OPTIONS describes the view as DRF's metadata does.
		expect(t, e.do("OPTIONS", "/api/auth/me/", nil, alice), 200, `{"name":"User Profile","description":"GET: Get current user profile\nPATCH: Update current user profile",
			"renders":["application/json"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"],"actions":{"PUT":"<any>"}}`)
		expect(t, e.do("OPTIONS", "/api/auth/me/", nil, nil), 401, bodyNotProvided)
	})
}

// TestAuthentication covers JWTAuthentication's answers on a protected view.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		alice := e.pa("alice@example.com", "Alice", "Anderson")
		ghost, _ := e.signer.IssuePair(999999, time.Now())
		own, _ := e.signer.IssuePair(alice.ID, time.Now())
		expired, _ := e.signer.IssuePair(alice.ID, time.Now().Add(-2*time.Hour))
		now := time.Now().Unix()
		noUser := e.signer.SignPayload([]byte(fmt.Sprintf(`{"token_type":"access","exp":%d,"iat":%d,"jti":"j"}`, now+60, now)))
		noID := e.signer.SignPayload([]byte(fmt.Sprintf(`{"token_type":"access","exp":%d,"iat":%d,"user_id":%d}`, now+60, now, alice.ID)))
		noType := e.signer.SignPayload([]byte(fmt.Sprintf(`{"exp":%d,"iat":%d,"jti":"j","user_id":%d}`, now+60, now, alice.ID)))
		noExp := e.signer.SignPayload([]byte(fmt.Sprintf(`{"token_type":"access","iat":%d,"jti":"j","user_id":%d}`, now, alice.ID)))
		parts := strings.Split(own.Access, ".")
		tampered := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
		cases := []struct {
			name, header string
			status       int
			want         string
		}{
			{"no header", "", 401, bodyNotProvided},
			{"another scheme", "Basic YWxpY2U6eA==", 401, bodyNotProvided},
			{"lower-case bearer", "bearer " + own.Access, 401, bodyNotProvided},
			{"bearer alone", "Bearer", 401, `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`},
			{"three words", "Bearer a b", 401, `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`},
			{"garbage", "Bearer not.a.jwt", 401, tokenInvalidBody("Token is invalid or expired")},
			{"tampered", "Bearer " + tampered, 401, tokenInvalidBody("Token is invalid or expired")},
			{"expired", "Bearer " + expired.Access, 401, tokenInvalidBody("Token is invalid or expired")},
			{"refresh token", "Bearer " + own.Refresh, 401, tokenInvalidBody("Token has wrong type")},
			{"no jti", "Bearer " + noID, 401, tokenInvalidBody("Token has no id")},
			{"no type", "Bearer " + noType, 401, tokenInvalidBody("Token has no type")},
			{"no exp", "Bearer " + noExp, 401, tokenInvalidBody("Token has no 'exp' claim")},
			{"no user_id", "Bearer " + noUser, 401, `{"detail":"Token contained no recognizable user identification","code":"token_not_valid"}`},
			{"unknown user", "Bearer " + ghost.Access, 401, `{"detail":"User not found","code":"user_not_found"}`},
			{"extra spaces", "  Bearer \t " + own.Access + "  ", 200, userWant(alice, false)},
			{"valid", "Bearer " + own.Access, 200, userWant(alice, false)},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				h := map[string]string{}
				if c.header != "" {
					h["Authorization"] = c.header
				}
				r := e.raw("GET", "/api/auth/me/", nil, h)
				expect(t, r, c.status, c.want)
				if wa := r.Header.Get("WWW-Authenticate"); c.status == 401 && wa != `Bearer realm="api"` {
					t.Errorf("WWW-Authenticate %q", wa)
				}
			})
		}
		t.Run("inactive user", func(t *testing.T) {
			e.exec(`UPDATE users SET is_active = $1 WHERE id = $2`, false, alice.ID)
			expect(t, e.do("GET", "/api/auth/me/", nil, alice), 401, `{"detail":"User is inactive","code":"user_inactive"}`)
			e.exec(`UPDATE users SET is_active = $1 WHERE id = $2`, true, alice.ID)
		})
		// A bad header fails even on an AllowAny view, as in DRF.
		expect(t, e.raw("POST", "/api/auth/login/", []byte(`{}`), map[string]string{"Content-Type": "application/json", "Authorization": "Bearer x"}),
			401, tokenInvalidBody("Token is invalid or expired"))
	})
}

// TestUserCache: with accounts' cache on (as `pasched serve` runs), a
// change made through the API is seen by the very next request, and a
// password reset refuses earlier tokens at once.
func TestUserCache(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d, envOpts{userCache: true})
		alice := registerAlice(t, e)
		s := login(t, e, "alice@example.com", alicePassword)
		expect(t, e.do("GET", "/api/auth/me/", nil, s.Access), 200, userWant(alice, false))
		q := e.db.Queries()
		expect(t, e.do("GET", "/api/auth/me/", nil, s.Access), 200, userWant(alice, false))
		if n := e.db.Queries() - q; n != 0 {
			t.Errorf("a cached /me ran %d queries", n)
		}
		expect(t, e.do("PATCH", "/api/auth/me/", `{"first_name":"Alicia"}`, s.Access), 200, `"<any>"`)
		alice.FirstName = "Alicia"
		expect(t, e.do("GET", "/api/auth/me/", nil, s.Access), 200, userWant(alice, false))
		tok, _ := verificationToken(t, e, alice.ID)
		expect(t, e.do("POST", "/api/auth/verify-email/", map[string]string{"token": tok}, nil), 200, `"<any>"`)
		expect(t, e.do("GET", "/api/auth/me/", nil, s.Access), 200, userWant(alice, true))
		reset := newOneTimeToken(t, e, sqlstore.PasswordResetTokens, alice.ID)
		expect(t, e.do("POST", "/api/auth/password-reset-confirm/", map[string]string{"token": reset, "password": "Velvet-Harbor-77", "password_confirm": "Velvet-Harbor-77"}, nil), 200, `"<any>"`)
		expect(t, e.do("GET", "/api/auth/me/", nil, s.Access), 401, tokenInvalidBody("Token is invalid or expired"))
	})
}

// allowHeader checks a view's Allow header.
func allowHeader(t *testing.T, r response, want string) {
	t.Helper()
	if got := r.Header.Get("Allow"); got != want {
		t.Errorf("Allow %q, want %q", got, want)
	}
}

// TestAuthViewsMethods: every auth view answers 405 with DRF's body to
// other methods, and OPTIONS with its description.
func TestAuthViewsMethods(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstore.SQLite)
	u := e.pa("alice@example.com", "Alice", "Anderson")
	views := map[string]string{
		"register": "Register", "verify-email": "Verify Email", "login": "Login", "refresh": "Refresh Token",
		"logout": "Logout", "password-reset": "Password Reset Request", "password-reset-confirm": "Password Reset Confirm",
	}
	for path, name := range views {
		for _, m := range []string{"GET", "PUT", "PATCH", "DELETE"} {
			r := e.do(m, "/api/auth/"+path+"/", nil, u)
			expect(t, r, http.StatusMethodNotAllowed, `{"detail":"Method \"`+m+`\" not allowed."}`)
			allowHeader(t, r, "POST, OPTIONS")
		}
		r := e.do("OPTIONS", "/api/auth/"+path+"/", nil, u)
		expect(t, r, 200, `{"name":"`+name+`","description":"<any>","renders":["application/json"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"]`+
			map[bool]string{true: `,"actions":"<any>"}`, false: `}`}[path == "register"])
		allowHeader(t, r, "POST, OPTIONS")
	}
}
