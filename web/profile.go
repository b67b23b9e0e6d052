package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"pasched"
	"pasched/scheduling"
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
	// PrefsForm is a PA's working preferences form, with its day boxes
	// (nil for an admin).
	PrefsForm *Form
	Days      []DayOption
}

var profileFields = []string{"first_name", "last_name", "phone_number"}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	f := detailsForm(u)
	s.renderProfile(w, r, http.StatusOK, f, &Form{})
}

func (s *Server) renderProfile(w http.ResponseWriter, r *http.Request, status int, f, pf *Form) {
	s.renderProfileWith(w, r, status, f, pf, nil)
}

// renderProfileWith is renderProfile with a PA's preferences form as sent
// (nil: as stored).
func (s *Server) renderProfileWith(w http.ResponseWriter, r *http.Request, status int, f, pf, prefs *Form) {
	u := userOf(r)
	sessions, err := s.Accounts.WebSessions(r.Context(), u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	cur := sessionOf(r)
	p := &ProfilePage{PasswordForm: pf}
	if u.Role == pasched.RolePA {
		if prefs == nil {
			prof, err := s.Scheduling.FindPAProfile(r.Context(), u, u.ID)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			prefs = &Form{Values: url.Values{"preferred_days": prof.PreferredDays}}
			if prof.PreferredStartTime != nil {
				prefs.Values.Set("preferred_start_time", (*prof.PreferredStartTime)[:5])
			}
			if prof.PreferredEndTime != nil {
				prefs.Values.Set("preferred_end_time", (*prof.PreferredEndTime)[:5])
			}
		}
		p.PrefsForm, p.Days = prefs, dayOptions(prefs)
	}
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
	// A guess of the current password is a guess of the account's: it
	// takes from the same per-account budget as signing in, so a session
	// left open cannot be used to find the password at leisure.
	if s.tooMany(w, pf, s.Throttles.LoginAccount, accountKey(u.Email)) {
		s.renderProfile(w, r, http.StatusTooManyRequests, detailsForm(u), pf)
		return
	}
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
	s.renderProfile(w, r, http.StatusUnprocessableEntity, detailsForm(u), pf)
}

// detailsForm is the profile's details form as stored, shown beside the
// password form when that one is sent back.
func detailsForm(u *pasched.User) *Form {
	return &Form{Values: map[string][]string{"first_name": {u.FirstName}, "last_name": {u.LastName}, "phone_number": {u.PhoneNumber}}}
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

// savePreferences saves a PA's preferred days and times (what the rota
// manager sees when looking for someone to cover).
func (s *Server) savePreferences(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	prefs := newForm(r)
	in := scheduling.PAProfileInput{PreferredDays: prefs.Values["preferred_days"],
		PreferredStart: prefs.Value("preferred_start_time"), PreferredEnd: prefs.Value("preferred_end_time")}
	_, err := s.Scheduling.UpdatePAProfile(r.Context(), u, u.ID, in)
	if err == nil {
		s.redirectFlash(w, r, "/profile", "preferences-saved")
		return
	}
	if !prefs.addError(err, adminProfileFields) {
		s.useCaseError(w, r, err)
		return
	}
	prefs.sortErrors("preferred_days", "preferred_start_time", "preferred_end_time")
	f := detailsForm(u)
	s.renderProfileWith(w, r, http.StatusUnprocessableEntity, f, &Form{}, prefs)
}
