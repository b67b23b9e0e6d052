package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"pasched"
	"pasched/notify"
)

// The notification settings page of the profile (issue 14): which kinds of
// email reach the user, quiet hours, the reminder lead time, and the
// private calendar feed addresses with a button to replace them.

// notifyData is the page's view model.
type notifyData struct {
	Kinds    []notifyKindRow
	Leads    []Option
	IsPA     bool
	TimeZone string
	Feeds    notify.Feeds
}

// notifyKindRow is one kind's checkbox.
type notifyKindRow struct {
	Name, Label, ID string
	On              bool
}

// notifyFields are the page's fields in page order.
var notifyFields = []string{"email", "quiet_start", "quiet_end", "reminder_lead_hours", "feed_include_pending"}

// leadLabel words a reminder lead time.
func leadLabel(h int) string {
	switch h {
	case 0:
		return "No reminders"
	case 1:
		return "1 hour before"
	}
	return strconv.Itoa(h) + " hours before"
}

// notifyView builds the page from the stored settings, or from a submitted
// form that failed (f with values).
func (s *Server) notifyView(r *http.Request, u *pasched.User, st *pasched.NotificationSettings, f *Form) (*View, error) {
	feeds, err := s.Notify.FeedURLs(r.Context(), u)
	if err != nil {
		return nil, err
	}
	v := newView("Notifications and calendar", "profile")
	d := notifyData{IsPA: u.Role == pasched.RolePA, TimeZone: s.Config.Location.String(), Feeds: feeds}
	submitted := f != nil && f.Values != nil
	for _, k := range pasched.KindsFor(u.Role) {
		on := st.Wants(k.Name)
		if submitted {
			on = f.Has("email", k.Name)
		}
		d.Kinds = append(d.Kinds, notifyKindRow{Name: k.Name, Label: k.Label, ID: "f-email-" + strings.ReplaceAll(k.Name, "_", "-"), On: on})
	}
	lead := strconv.Itoa(st.ReminderLeadHours)
	if submitted {
		lead = f.Value("reminder_lead_hours")
	}
	for _, h := range pasched.ReminderLeads {
		d.Leads = append(d.Leads, Option{Value: strconv.Itoa(h), Label: leadLabel(h), Selected: strconv.Itoa(h) == lead})
	}
	if !submitted {
		f = &Form{Values: map[string][]string{}}
		if q := st.Quiet; q != nil {
			f.Values.Set("quiet", "on")
			f.Values.Set("quiet_start", pasched.FormatClockMinutes(q.Start))
			f.Values.Set("quiet_end", pasched.FormatClockMinutes(q.End))
		}
		if st.FeedIncludePending {
			f.Values.Set("feed_include_pending", "on")
		}
	}
	v.Form, v.Data = f, d
	return v, nil
}

func (s *Server) notifySettingsPage(w http.ResponseWriter, r *http.Request) {
	if s.Notify == nil {
		s.notFound(w, r)
		return
	}
	u := userOf(r)
	st, err := s.Notify.Settings(r.Context(), u)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v, err := s.notifyView(r, u, st, nil)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "notifications", v)
}

// notifySettingsSave saves the whole form: unticked kinds are switched off.
func (s *Server) notifySettingsSave(w http.ResponseWriter, r *http.Request) {
	if s.Notify == nil {
		s.notFound(w, r)
		return
	}
	u := userOf(r)
	f := newForm(r)
	up := notify.SettingsUpdate{Email: map[string]bool{}, QuietSet: true}
	for _, k := range pasched.KindsFor(u.Role) {
		up.Email[k.Name] = f.Has("email", k.Name)
	}
	for _, k := range f.Values["email"] {
		if !slices.ContainsFunc(pasched.KindsFor(u.Role), func(n pasched.NotifyKind) bool { return n.Name == k }) {
			f.Add("email", "Choose among the kinds of email listed.")
			break
		}
	}
	if f.Has("quiet", "on") {
		start, err1 := pasched.ParseClockMinutes(f.Value("quiet_start"))
		end, err2 := pasched.ParseClockMinutes(f.Value("quiet_end"))
		if err1 != nil {
			f.Add("quiet_start", "Enter the start of your quiet hours as a 24-hour time, like 22:00.")
		}
		if err2 != nil {
			f.Add("quiet_end", "Enter the end of your quiet hours as a 24-hour time, like 07:00.")
		}
		if err1 == nil && err2 == nil {
			up.Quiet = &pasched.QuietHours{Start: start, End: end}
		}
	}
	if u.Role == pasched.RolePA {
		lead, err := strconv.Atoi(f.Value("reminder_lead_hours"))
		if err != nil || !slices.Contains(pasched.ReminderLeads, lead) {
			f.Add("reminder_lead_hours", "Choose when to be reminded before each shift.")
		} else {
			up.ReminderLeadHours = &lead
		}
		pending := f.Has("feed_include_pending", "on")
		up.FeedIncludePending = &pending
	}
	var err error
	if !f.HasErrors() {
		_, err = s.Notify.UpdateSettings(r.Context(), u, up)
		if err == nil {
			s.redirectFlash(w, r, "/profile/notifications", "notifications-saved")
			return
		}
		if !f.addError(err, fieldMap{"quiet_hours": "quiet_start"}) {
			s.serverError(w, r, err)
			return
		}
	}
	f.Labels = map[string]string{"email": "Emails", "quiet_start": "Quiet hours start", "quiet_end": "Quiet hours end",
		"reminder_lead_hours": "Remind me before each shift"}
	f.sortErrors(notifyFields...)
	st, err := s.Notify.Settings(r.Context(), u)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v, err := s.notifyView(r, u, st, f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusBadRequest, "notifications", v)
}

// rotateFeed replaces the user's feed addresses; the old ones stop at once.
func (s *Server) rotateFeed(w http.ResponseWriter, r *http.Request) {
	if s.Notify == nil {
		s.notFound(w, r)
		return
	}
	if _, err := s.Notify.RotateFeed(r.Context(), userOf(r)); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/profile/notifications#feeds", "feed-rotated")
}
