package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"pasched"
	"pasched/accounts"
)

// signUpFields are the sign-up form's fields in page order; the names are
// the use case's, so its messages land beside the right field.
var signUpFields = []string{"first_name", "last_name", "email", "phone_number", "password", "password_confirm"}

func (s *Server) signUpForm(w http.ResponseWriter, r *http.Request) {
	if userOf(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "signup", newView("Create an account", "signup"))
}

// checkEmail adds the form's message for a missing or malformed address.
func checkEmail(f *Form, name string) (string, bool) {
	email := strings.TrimSpace(f.Value(name))
	switch {
	case email == "":
		f.Add(name, "Enter your email address.")
		return "", false
	case utf8.RuneCountInString(email) > 254:
		f.Add(name, "Email address must be 254 characters or fewer.")
		return "", false
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email[strings.LastIndexByte(email, '@'):], ".") {
		f.Add(name, "Enter an email address in the right form, like name@example.com.")
		return "", false
	}
	return email, true
}

// checkNewPassword adds the password validators' messages and a mismatch.
func checkNewPassword(f *Form, name, confirm string) (string, bool) {
	pw := f.Values.Get(name)
	if pw == "" {
		f.Add(name, "Enter a password.")
		return "", false
	}
	ok := true
	for _, m := range accounts.ValidatePassword(pw) {
		f.Add(name, m)
		ok = false
	}
	if f.Values.Get(confirm) != pw {
		f.Add(confirm, "The two passwords are not the same. Type the same password twice.")
		ok = false
	}
	return pw, ok
}

// required reads a required text field of at most max characters.
func required(f *Form, name, label string, max int) (string, bool) {
	v := strings.TrimSpace(f.Value(name))
	switch {
	case v == "":
		f.Add(name, "Enter your "+label+".")
		return "", false
	case utf8.RuneCountInString(v) > max:
		f.Add(name, strings.ToUpper(label[:1])+label[1:]+" must be "+itoa(max)+" characters or fewer.")
		return "", false
	}
	return v, true
}

func (s *Server) signUp(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	status := http.StatusUnprocessableEntity
	// As the JSON API: per client first, then per address when the form
	// has a well-formed one (whatever else is wrong with it).
	if s.tooMany(w, f, s.Throttles.RegisterIP, s.clientIP(r)) {
		s.renderSignUp(w, r, http.StatusTooManyRequests, f)
		return
	}
	first, _ := required(f, "first_name", "first name", 150)
	last, _ := required(f, "last_name", "last name", 150)
	email, emailOK := checkEmail(f, "email")
	phone, _ := required(f, "phone_number", "phone number", 20)
	pw, _ := checkNewPassword(f, "password", "password_confirm")
	if emailOK && s.tooMany(w, f, s.Throttles.RegisterAccount, accountKey(email)) {
		status = http.StatusTooManyRequests
	} else if !f.HasErrors() {
		username := email
		if len(accounts.ValidateUsername(email)) > 0 {
			b := make([]byte, 6)
			rand.Read(b)
			username = "pa-" + hex.EncodeToString(b)
		}
		in := accounts.RegisterInput{Email: &email, Username: &username, Password: &pw, PasswordConfirm: &pw,
			FirstName: &first, LastName: &last, PhoneNumber: &phone}
		_, err := s.Accounts.Register(r.Context(), in)
		if err == nil {
			s.redirectFlash(w, r, "/signin", "signed-up")
			return
		}
		// The address (or the username made from it) has an account: the
		// visitor is told the same as for a new one, the owner is emailed.
		var pe *pasched.Error
		if errors.As(err, &pe) && pe.Code == pasched.EINVALID && onlyFields(pe, "email", "username") {
			if err := s.Accounts.SignUpTaken(r.Context(), email, s.baseURL(r)+"/signin", s.baseURL(r)+"/forgot-password"); err != nil {
				s.serverError(w, r, err)
				return
			}
			s.redirectFlash(w, r, "/signin", "signed-up")
			return
		}
		if !f.addError(err, nil) {
			s.serverError(w, r, err)
			return
		}
	}
	s.renderSignUp(w, r, status, f)
}

// renderSignUp shows the sign-up form again with f's messages.
func (s *Server) renderSignUp(w http.ResponseWriter, r *http.Request, status int, f *Form) {
	f.sortErrors(signUpFields...)
	v := newView("Create an account", "signup")
	v.Form = f
	s.render(w, r, status, "signup", v)
}

// onlyFields reports whether every field of e is one of names.
func onlyFields(e *pasched.Error, names ...string) bool {
	if len(e.Fields) == 0 {
		return false
	}
	for k := range e.Fields {
		if !slices.Contains(names, k) {
			return false
		}
	}
	return true
}

// baseURL is this site as the browser reached it (the Host was checked
// against ALLOWED_HOSTS).
func (s *Server) baseURL(r *http.Request) string {
	scheme := "http"
	if s.secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// TokenPage is the view model of the pages opened from an email's link.
type TokenPage struct {
	Token string
	// Bad says the link's token is malformed, so the form is not shown.
	Bad bool
}

// canonicalToken is a link's token as the store keeps it (a UUID), or "".
func canonicalToken(s string) string {
	u, err := uuid.Parse(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	return u.String()
}

// verifyForm is where the verification email's link lands. Opening it
// changes nothing (mail scanners open links); the button confirms.
func (s *Server) verifyForm(w http.ResponseWriter, r *http.Request) {
	tok := canonicalToken(r.URL.Query().Get("token"))
	v := newView("Confirm your email address", "")
	v.Data = TokenPage{Token: tok, Bad: tok == ""}
	s.render(w, r, http.StatusOK, "verify", v)
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	tok := canonicalToken(f.Value("token"))
	if tok != "" {
		_, err := s.Accounts.VerifyEmail(r.Context(), tok)
		if err == nil {
			s.redirectFlash(w, r, "/signin", "verified")
			return
		}
		if pasched.ErrorCode(err) != pasched.EINVALID {
			s.serverError(w, r, err)
			return
		}
	}
	f.Add(nonField, "This link does not work: it may have been used already or be more than 7 days old. Sign in to ask for a new one, or ask the rota manager.")
	v := newView("Confirm your email address", "")
	v.Form = f
	v.Data = TokenPage{Token: tok, Bad: true}
	s.render(w, r, http.StatusUnprocessableEntity, "verify", v)
}

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "forgot", newView("Forgotten your password?", "signin"))
}

// forgot answers the same whether or not an account has the address.
func (s *Server) forgot(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	status := http.StatusUnprocessableEntity
	// As the JSON API: per client, then per address (known or not).
	if s.tooMany(w, f, s.Throttles.ResetIP, s.clientIP(r)) {
		status = http.StatusTooManyRequests
	} else if email, ok := checkEmail(f, "email"); ok {
		if s.tooMany(w, f, s.Throttles.ResetAccount, accountKey(email)) {
			status = http.StatusTooManyRequests
		} else {
			if err := s.Accounts.RequestPasswordReset(r.Context(), email); err != nil {
				s.serverError(w, r, err)
				return
			}
			s.redirectFlash(w, r, "/signin", "reset-sent")
			return
		}
	}
	v := newView("Forgotten your password?", "signin")
	v.Form = f
	s.render(w, r, status, "forgot", v)
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) {
	tok := canonicalToken(r.URL.Query().Get("token"))
	v := newView("Choose a new password", "")
	v.Data = TokenPage{Token: tok, Bad: tok == ""}
	s.render(w, r, http.StatusOK, "reset", v)
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	tok := canonicalToken(f.Value("token"))
	if s.tooMany(w, f, s.Throttles.ResetConfirmIP, s.clientIP(r)) {
		v := newView("Choose a new password", "")
		v.Form = f
		v.Data = TokenPage{Token: tok, Bad: tok == ""}
		s.render(w, r, http.StatusTooManyRequests, "reset", v)
		return
	}
	pw, ok := checkNewPassword(f, "password", "password_confirm")
	bad := tok == ""
	if ok && !bad {
		err := s.Accounts.ConfirmPasswordReset(r.Context(), tok, pw)
		if err == nil {
			s.clearSessionCookie(w, r)
			s.redirectFlash(w, r, "/signin", "reset-done")
			return
		}
		if pasched.ErrorCode(err) != pasched.EINVALID {
			s.serverError(w, r, err)
			return
		}
		bad = true
	}
	if bad {
		f.Add(nonField, "This link does not work: it may have been used already or be more than 24 hours old. Ask for a new one on the “Forgotten your password?” page.")
	}
	f.sortErrors("password", "password_confirm")
	v := newView("Choose a new password", "")
	v.Form = f
	v.Data = TokenPage{Token: tok, Bad: bad}
	s.render(w, r, http.StatusUnprocessableEntity, "reset", v)
}
