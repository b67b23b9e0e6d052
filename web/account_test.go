package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"pasched"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// emailLink finds the link to path in the emails sent so far, waiting for
// the n-th such email.
func (e *env) emailLink(t *testing.T, path string, n int) string {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(e.http.URL+path) + `\?token=([0-9a-f-]{36})`)
	var links []string
	waitFor(t, "email with a link to "+path, func() bool {
		links = nil
		for _, m := range e.sentEmails() {
			// Undo quoted-printable soft breaks and escapes.
			m = strings.NewReplacer("=\r\n", "", "=\n", "", "=3D", "=").Replace(m)
			for _, l := range re.FindAllString(m, -1) {
				if !contains(links, l) {
					links = append(links, l)
				}
			}
		}
		return len(links) >= n
	})
	return strings.TrimPrefix(links[n-1], e.http.URL)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestSignUpAndVerify(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d, envOpts{mail: true})
		c := e.client()
		if p := c.get("/signup"); p.Status != 200 || !strings.Contains(p.Body, "<title>Create an account – pasched</title>") {
			t.Fatalf("sign-up page: %d", p.Status)
		}
		// Each field's problem beside it, typed values kept (never passwords).
		p := c.post("/signup", url.Values{"first_name": {"Pat"}, "last_name": {""}, "email": {"not-an-email"},
			"phone_number": {"555-0101"}, "password": {"12345678"}, "password_confirm": {"12345679"}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad sign-up: %d", p.Status)
		}
		for _, want := range []string{`id="f-last-name-error"`, `id="f-email-error"`, "This password is entirely numeric.",
			`id="f-password-confirm-error"`, `value="Pat"`, `value="not-an-email"`, `href="#f-last-name"`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("bad sign-up page lacks %q", want)
			}
		}
		if strings.Contains(p.Body, "12345678") {
			t.Error("the password was sent back")
		}
		if strings.Index(p.Body, `href="#f-last-name"`) > strings.Index(p.Body, `href="#f-email"`) {
			t.Error("the error summary is not in page order")
		}

		form := url.Values{"first_name": {"Pat"}, "last_name": {"Smith"}, "email": {"Pat@Example.com"},
			"phone_number": {"555-0101"}, "password": {"Pat-Pass-2030!"}, "password_confirm": {"Pat-Pass-2030!"}}
		p = c.post("/signup", form)
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/signin" {
			t.Fatalf("sign-up: %d %s", p.Status, p.Body)
		}
		if p := c.get("/signin"); !strings.Contains(p.Body, "We have sent you an email") {
			t.Fatal("no confirmation after sign-up")
		}
		link := e.emailLink(t, "/verify-email", 1)
		// Opening the link changes nothing; the button does.
		p = c.get(link)
		if p.Status != 200 || !strings.Contains(p.Body, "Confirm my email address") {
			t.Fatalf("verify page: %d %s", p.Status, p.Body)
		}
		u, err := sqlstore.FindUserByEmail(context.Background(), e.db, "pat@example.com")
		if err != nil || u.IsEmailVerified {
			t.Fatalf("after opening the link: %v %+v", err, u)
		}
		tok := strings.TrimPrefix(link, "/verify-email?token=")
		if p := c.post("/verify-email", url.Values{"token": {tok}}); p.Status != http.StatusSeeOther {
			t.Fatalf("verify: %d %s", p.Status, p.Body)
		}
		if u, _ := sqlstore.FindUserByEmail(context.Background(), e.db, "pat@example.com"); !u.IsEmailVerified {
			t.Fatal("not verified")
		}
		// A used or made-up token: a clear message, not a 500.
		for _, bad := range []string{tok, "00000000-0000-0000-0000-000000000000", "junk"} {
			if p := c.post("/verify-email", url.Values{"token": {bad}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "This link does not work") {
				t.Fatalf("verify %q again: %d", bad, p.Status)
			}
		}

		// Signing up again with the address says the same, and emails its owner.
		p = c.post("/signup", form)
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/signin" {
			t.Fatalf("sign-up with a taken address: %d %s", p.Status, p.Body)
		}
		waitFor(t, "the already-have-an-account email", func() bool {
			for _, m := range e.sentEmails() {
				if strings.Contains(m, "You already have an account") {
					return true
				}
			}
			return false
		})
		var n int
		e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM users`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d users after two sign-ups with one address", n)
		}
		c.signInAs("pat@example.com", "Pat-Pass-2030!")
	})
}

func (c *client) signInAs(email, pw string) {
	c.e.t.Helper()
	p := c.post("/signin", url.Values{"email": {email}, "password": {pw}})
	if p.Status != http.StatusSeeOther {
		c.e.t.Fatalf("sign in %s: %d %s", email, p.Status, p.Body)
	}
}

func TestForgotAndResetPassword(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d, envOpts{mail: true})
		e.pa("pat@example.com", "Pat", "Smith")
		signedIn := e.client()
		signedIn.signIn("pat@example.com")

		c := e.client()
		if p := c.get("/forgot-password"); p.Status != 200 {
			t.Fatalf("forgot page: %d", p.Status)
		}
		// Known and unknown addresses get the same answer.
		known := c.post("/forgot-password", url.Values{"email": {"pat@example.com"}})
		unknown := c.post("/forgot-password", url.Values{"email": {"nobody@example.com"}})
		if known.Status != http.StatusSeeOther || unknown.Status != known.Status || unknown.Header.Get("Location") != known.Header.Get("Location") {
			t.Fatalf("forgot: known %d %q, unknown %d %q", known.Status, known.Header.Get("Location"), unknown.Status, unknown.Header.Get("Location"))
		}
		if p := c.post("/forgot-password", url.Values{"email": {"nope"}}); p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("forgot with a malformed address: %d", p.Status)
		}
		link := e.emailLink(t, "/reset-password", 1)
		if p := c.get(link); p.Status != 200 || !strings.Contains(p.Body, "New password") {
			t.Fatalf("reset page: %d", p.Status)
		}
		tok := strings.TrimPrefix(link, "/reset-password?token=")
		p := c.post("/reset-password", url.Values{"token": {tok}, "password": {"short"}, "password_confirm": {"short"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "This password is too short") {
			t.Fatalf("weak new password: %d", p.Status)
		}
		p = c.post("/reset-password", url.Values{"token": {tok}, "password": {"New-Pass-2031!"}, "password_confirm": {"New-Pass-2031!"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("reset: %d %s", p.Status, p.Body)
		}
		// Every web session of the user ended.
		if p := signedIn.get("/calendar"); p.Status != http.StatusSeeOther {
			t.Fatalf("a session survived the reset: %d", p.Status)
		}
		if p := c.post("/reset-password", url.Values{"token": {tok}, "password": {"Other-Pass-2032!"}, "password_confirm": {"Other-Pass-2032!"}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "This link does not work") {
			t.Fatalf("reset link used twice: %d", p.Status)
		}
		c.signInAs("pat@example.com", "New-Pass-2031!")
		if len(e.sentEmails()) != 1 {
			t.Fatalf("%d emails, want only the known address's", len(e.sentEmails()))
		}
	})
}

func TestFirstRunSetup(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		c := e.client()
		if p := c.get("/setup"); p.Status != 404 {
			t.Fatalf("setup before a code was made: %d", p.Status)
		}
		code, err := e.accounts.PrepareSetup(context.Background())
		if err != nil || len(code) != 17 {
			t.Fatalf("code %q: %v", code, err)
		}
		if p := c.get("/setup"); p.Status != 200 || !strings.Contains(p.Body, "Setup code") {
			t.Fatalf("setup page: %d", p.Status)
		}
		if p := c.post("/setup", url.Values{"code": {"AAAAA-BBBBB-CCCCC"}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "That setup code is not right") {
			t.Fatalf("wrong code: %d", p.Status)
		}
		// The code is forgiving about case and dashes.
		p := c.post("/setup", url.Values{"code": {strings.ToLower(strings.ReplaceAll(code, "-", " "))}})
		if p.Status != 200 || !strings.Contains(p.Body, `name="step" value="admin"`) {
			t.Fatalf("right code: %d %s", p.Status, p.Body)
		}
		p = c.post("/setup", url.Values{"code": {code}, "step": {"admin"}, "first_name": {"Ada"}, "email": {"ada@example.com"},
			"password": {"password"}, "password_confirm": {"password"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "This password is too common.") || !strings.Contains(p.Body, `value="ada@example.com"`) {
			t.Fatalf("bad admin details: %d %s", p.Status, p.Body)
		}
		// Five setups at once: exactly one admin.
		var wg sync.WaitGroup
		statuses := make([]int, 5)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cc := e.client()
				statuses[i] = cc.post("/setup", url.Values{"code": {code}, "step": {"admin"}, "first_name": {"Ada"}, "last_name": {"Admin"},
					"email": {"ada" + string(rune('a'+i)) + "@example.com"}, "password": {"Adm1n-Pass-2030!"}, "password_confirm": {"Adm1n-Pass-2030!"}}).Status
			}()
		}
		wg.Wait()
		created := 0
		for _, s := range statuses {
			switch s {
			case http.StatusSeeOther:
				created++
			case http.StatusNotFound:
			default:
				t.Errorf("concurrent setup answered %d", s)
			}
		}
		var admins int
		e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM users WHERE role = $1`, pasched.RoleAdmin).Scan(&admins)
		if created != 1 || admins != 1 {
			t.Fatalf("%d setups succeeded, %d admins (statuses %v)", created, admins, statuses)
		}
		if p := c.get("/setup"); p.Status != 404 {
			t.Fatalf("setup after it was done: %d", p.Status)
		}
		if p := c.post("/setup", url.Values{"code": {code}}); p.Status != 404 {
			t.Fatalf("setup code after it was used: %d", p.Status)
		}
		if again, err := e.accounts.PrepareSetup(context.Background()); err != nil || again != "" {
			t.Fatalf("a restart with an admin made a code: %q %v", again, err)
		}
	})
}
