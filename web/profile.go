package web

import (
	"net/http"
	"strings"
	"time"

	"pasched"
)

// SessionRow is one signed-in device on the profile page.
type SessionRow struct {
	Device, Where, Since, LastSeen string
	Current                        bool
}

// ProfilePage is the profile page's view model.
type ProfilePage struct {
	Sessions []SessionRow
	// PasswordForm holds the change-password form (the page's other form
	// is View.Form).
	PasswordForm *Form
}

var profileFields = []string{"first_name", "last_name", "phone_number"}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	f := &Form{Values: map[string][]string{"first_name": {u.FirstName}, "last_name": {u.LastName}, "phone_number": {u.PhoneNumber}}}
	s.renderProfile(w, r, http.StatusOK, f, &Form{})
}

func (s *Server) renderProfile(w http.ResponseWriter, r *http.Request, status int, f, pf *Form) {
	u := userOf(r)
	sessions, err := s.Accounts.WebSessions(r.Context(), u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	cur := sessionOf(r)
	p := &ProfilePage{PasswordForm: pf}
	for _, ws := range sessions {
		p.Sessions = append(p.Sessions, SessionRow{Device: deviceName(ws.UserAgent), Where: ws.IP,
			Since: s.when(ws.CreatedAt), LastSeen: s.when(ws.LastSeenAt), Current: cur != nil && ws.ID == cur.ID})
	}
	f.sortErrors(profileFields...)
	pf.sortErrors("current_password", "password", "password_confirm")
	v := newView("Your profile", "profile")
	v.Form, v.Data = f, p
	s.render(w, r, status, "profile", v)
}

// when is a time as the profile shows it, in TIME_ZONE.
func (s *Server) when(t time.Time) string {
	t = t.In(s.Config.Location)
	return t.Format("Monday 2 January 2006, 15:04")
}

// deviceName names a browser from its User-Agent, roughly.
func deviceName(ua string) string {
	browser := "A web browser"
	for _, b := range []struct{ key, name string }{{"Edg/", "Edge"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}} {
		if strings.Contains(ua, b.key) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ key, name string }{{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"}, {"Mac OS X", "Mac"}, {"Linux", "Linux"}} {
		if strings.Contains(ua, o.key) {
			return browser + " on " + o.name
		}
	}
	return browser
}

func (s *Server) saveProfile(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	f := newForm(r)
	first, _ := required(f, "first_name", "first name", 150)
	last, _ := required(f, "last_name", "last name", 150)
	phone, _ := required(f, "phone_number", "phone number", 20)
	if !f.HasErrors() {
		_, err := s.Accounts.UpdateProfile(r.Context(), u.ID, pasched.ProfileUpdate{FirstName: &first, LastName: &last, PhoneNumber: &phone})
		if err == nil {
			s.redirectFlash(w, r, "/profile", "profile-saved")
			return
		}
		if !f.addError(err, nil) {
			s.serverError(w, r, err)
			return
		}
	}
	s.renderProfile(w, r, http.StatusUnprocessableEntity, f, &Form{})
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	pf := newForm(r)
	current := pf.Values.Get("current_password")
	if current == "" {
		pf.Add("current_password", "Enter your current password.")
	}
	pw, _ := checkNewPassword(pf, "password", "password_confirm")
	if !pf.HasErrors() {
		var keep int64
		if ws := sessionOf(r); ws != nil {
			keep = ws.ID
		}
		err := s.Accounts.ChangePassword(r.Context(), u, current, pw, keep)
		if err == nil {
			s.redirectFlash(w, r, "/profile", "password-changed")
			return
		}
		if !pf.addError(err, nil) {
			s.serverError(w, r, err)
			return
		}
	}
	f := &Form{Values: map[string][]string{"first_name": {u.FirstName}, "last_name": {u.LastName}, "phone_number": {u.PhoneNumber}}}
	s.renderProfile(w, r, http.StatusUnprocessableEntity, f, pf)
}

// signOutEverywhere ends every session of the user, this one too.
func (s *Server) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	if _, err := s.Accounts.SignOutEverywhere(r.Context(), userOf(r).ID, 0); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.clearSessionCookie(w, r)
	s.redirectFlash(w, r, "/signin", "signed-out-all")
}
