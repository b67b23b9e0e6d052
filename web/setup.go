package web

import (
	"net/http"
	"strings"

	"pasched"
	"pasched/accounts"
)

// SetupPage is the first-run page's view model: Step "code" asks for the
// setup code, "admin" for the first admin's details (the code carried along).
type SetupPage struct {
	Step, Code string
}

var setupFields = []string{"code", "first_name", "last_name", "email", "phone_number", "password", "password_confirm"}

// setupOpen answers 404 unless the first-run setup is still to be done.
func (s *Server) setupOpen(w http.ResponseWriter, r *http.Request) bool {
	open, err := s.Accounts.SetupNeeded(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return false
	}
	if !open {
		s.notFound(w, r)
	}
	return open
}

func (s *Server) setupForm(w http.ResponseWriter, r *http.Request) {
	if !s.setupOpen(w, r) {
		return
	}
	v := newView("Set up pasched", "")
	v.Data = SetupPage{Step: "code"}
	s.render(w, r, http.StatusOK, "setup", v)
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	if !s.setupOpen(w, r) {
		return
	}
	f := newForm(r)
	code := strings.TrimSpace(f.Value("code"))
	v := newView("Set up pasched", "")
	v.Form = f
	if s.tooMany(w, f, s.Throttles.SetupIP, s.clientIP(r)) {
		// The step the visitor was on, with what they typed (the code is
		// checked again on the next post).
		v.Data = SetupPage{Step: "code"}
		if f.Value("step") == "admin" {
			v.Title = "Create the rota manager’s account"
			v.Data = SetupPage{Step: "admin", Code: code}
		}
		s.render(w, r, http.StatusTooManyRequests, "setup", v)
		return
	}
	if err := s.Accounts.CheckSetupCode(r.Context(), code); err != nil {
		if err == accounts.ErrSetupDone {
			s.notFound(w, r)
			return
		}
		if code == "" {
			f.Add("code", "Enter the setup code.")
		} else if !f.addError(err, nil) {
			s.serverError(w, r, err)
			return
		}
		v.Data = SetupPage{Step: "code"}
		s.render(w, r, http.StatusUnprocessableEntity, "setup", v)
		return
	}
	if f.Value("step") != "admin" {
		// The right code: now the admin's details.
		v.Form = &Form{}
		v.Title = "Create the rota manager’s account"
		v.Data = SetupPage{Step: "admin", Code: code}
		s.render(w, r, http.StatusOK, "setup", v)
		return
	}
	first, _ := required(f, "first_name", "first name", 150)
	last, _ := required(f, "last_name", "last name", 150)
	email, _ := checkEmail(f, "email")
	phone := strings.TrimSpace(f.Value("phone_number"))
	if len(phone) > 20 {
		f.Add("phone_number", "Phone number must be 20 characters or fewer.")
	}
	pw, _ := checkNewPassword(f, "password", "password_confirm")
	if !f.HasErrors() {
		_, err := s.Accounts.CompleteSetup(r.Context(), code, pasched.NewUser{Email: email, FirstName: first, LastName: last, PhoneNumber: phone}, pw)
		switch {
		case err == nil:
			if s.Config.SetupDone != nil {
				s.Config.SetupDone()
			}
			s.redirectFlash(w, r, "/signin", "setup-done")
			return
		case pasched.ErrorCode(err) == pasched.ENOTFOUND:
			s.notFound(w, r) // another setup finished first
			return
		case !f.addError(err, nil):
			s.serverError(w, r, err)
			return
		}
	}
	f.sortErrors(setupFields...)
	v.Title = "Create the rota manager’s account"
	v.Data = SetupPage{Step: "admin", Code: code}
	s.render(w, r, http.StatusUnprocessableEntity, "setup", v)
}
