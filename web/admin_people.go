package web

import (
	"net/http"
	"net/url"
	"strings"

	"pasched"
	"pasched/accounts"
	"pasched/scheduling"
)

// PeoplePage lists every account.
type PeoplePage struct {
	Users []*pasched.User
}

func (s *Server) adminPeople(w http.ResponseWriter, r *http.Request) {
	users, err := s.Accounts.ListUsers(r.Context(), userOf(r))
	if err != nil {
		s.useCaseError(w, r, err)
		return
	}
	v := newView("People", "people")
	v.Data = PeoplePage{Users: users}
	s.render(w, r, http.StatusOK, "admin_people", v)
}

// NewPersonPage is the form to add a PA or an admin.
type NewPersonPage struct{ RoleOptions []Option }

func (s *Server) renderNewPerson(w http.ResponseWriter, r *http.Request, status int, f *Form) {
	role := f.Value("role")
	if role == "" {
		role = pasched.RolePA
	}
	v := newView("Add a person", "people")
	v.Form = f
	v.Data = NewPersonPage{RoleOptions: []Option{
		{Value: pasched.RolePA, Label: "Personal assistant (PA)", Selected: role == pasched.RolePA},
		{Value: pasched.RoleAdmin, Label: "Admin (runs the rota)", Selected: role == pasched.RoleAdmin},
	}}
	s.render(w, r, status, "admin_person_new", v)
}

func (s *Server) adminNewPerson(w http.ResponseWriter, r *http.Request) {
	s.renderNewPerson(w, r, http.StatusOK, &Form{})
}

func (s *Server) adminCreatePerson(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	in := accounts.AddUserInput{Email: f.Value("email"), FirstName: f.Value("first_name"), LastName: f.Value("last_name"),
		PhoneNumber: f.Value("phone_number"), Role: f.Value("role")}
	u, err := s.Accounts.AddUser(r.Context(), userOf(r), in)
	if err == nil {
		s.redirectFlash(w, r, "/admin/people/"+itoa64(u.ID), "person-added")
		return
	}
	if !f.addError(err, nil) {
		s.useCaseError(w, r, err)
		return
	}
	f.sortErrors("first_name", "last_name", "email", "phone_number", "role")
	s.renderNewPerson(w, r, http.StatusUnprocessableEntity, f)
}

// PersonPage is one account with, for a PA, their profile form.
type PersonPage struct {
	Person  *pasched.User
	Profile *pasched.PAProfile
	// Stats are a PA's pattern statistics (nil without the coverage use cases).
	Stats *pasched.PAStats
	Days  []DayOption
	Self  bool
}

// DayOption is a checkbox of a preferred day.
type DayOption struct {
	Value, Label string
	Checked      bool
}

func (s *Server) adminPerson(w http.ResponseWriter, r *http.Request) {
	s.renderPerson(w, r, http.StatusOK, nil)
}

func (s *Server) renderPerson(w http.ResponseWriter, r *http.Request, status int, f *Form) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	u, err := s.Accounts.FindUser(r.Context(), userOf(r), id)
	if err != nil {
		s.useCaseError(w, r, err)
		return
	}
	pg := PersonPage{Person: u, Self: u.ID == userOf(r).ID}
	if u.Role == pasched.RolePA {
		if pg.Profile, err = s.Scheduling.FindPAProfile(r.Context(), userOf(r), u.ID); err != nil {
			s.useCaseError(w, r, err)
			return
		}
		if f == nil {
			p := pg.Profile
			vals := url.Values{"max_hours_per_week": {itoa64(int64(p.MaxHoursPerWeek))}, "notes": {p.Notes}, "preferred_days": p.PreferredDays}
			if p.PreferredStartTime != nil {
				vals.Set("preferred_start_time", (*p.PreferredStartTime)[:5])
			}
			if p.PreferredEndTime != nil {
				vals.Set("preferred_end_time", (*p.PreferredEndTime)[:5])
			}
			f = &Form{Values: vals}
		}
		if s.Coverage != nil {
			if pg.Stats, err = s.Coverage.Stats(r.Context(), userOf(r), u.ID); err != nil && pasched.ErrorCode(err) != pasched.ENOTFOUND {
				s.useCaseError(w, r, err)
				return
			}
		}
		pg.Days = dayOptions(f)
	}
	v := newView(u.DisplayName(), "people")
	v.Form = f
	v.Data = pg
	s.render(w, r, status, "admin_person", v)
}

var adminProfileFields = fieldMap{scheduling.FieldPreferredDays: "preferred_days", scheduling.FieldPreferredStart: "preferred_start_time",
	scheduling.FieldPreferredEnd: "preferred_end_time", scheduling.FieldMaxHours: "max_hours_per_week", scheduling.FieldNotes: "notes"}

func (s *Server) adminUpdateProfile(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	f := newForm(r)
	in := scheduling.PAProfileInput{PreferredDays: f.Values["preferred_days"], PreferredStart: f.Value("preferred_start_time"),
		PreferredEnd: f.Value("preferred_end_time"), Notes: strings.TrimSpace(f.Value("notes"))}
	if n, err := parseWhole(f.Value("max_hours_per_week")); err != nil {
		f.Add("max_hours_per_week", "Enter the weekly limit as a whole number of hours, for example 40.")
	} else {
		in.MaxHoursPerWeek = n
	}
	if !f.HasErrors() {
		_, err := s.Scheduling.UpdatePAProfile(r.Context(), userOf(r), id, in)
		if err == nil {
			s.redirectFlash(w, r, "/admin/people/"+itoa64(id), "profile-updated")
			return
		}
		if !f.addError(err, adminProfileFields) || pasched.ErrorCode(err) == pasched.ENOTFOUND {
			s.useCaseError(w, r, err)
			return
		}
	}
	f.sortErrors("max_hours_per_week", "preferred_days", "preferred_start_time", "preferred_end_time", "notes")
	s.renderPerson(w, r, http.StatusUnprocessableEntity, f)
}

// parseWhole reads a whole number of at most four digits.
func parseWhole(v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 4 {
		return 0, errNotWhole
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, errNotWhole
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

var errNotWhole = pasched.Errorf(pasched.EINVALID, "not a whole number")

// adminSetActive deactivates or reactivates a person.
func (s *Server) adminSetActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(r)
		if !ok {
			s.notFound(w, r)
			return
		}
		if _, err := s.Accounts.SetActive(r.Context(), userOf(r), id, active); err != nil {
			if pasched.ErrorCode(err) == pasched.EINVALID {
				s.errorPage(w, r, http.StatusUnprocessableEntity, "Cannot change this account", errorWords(err))
				return
			}
			s.useCaseError(w, r, err)
			return
		}
		key := "person-reactivated"
		if !active {
			key = "person-deactivated"
		}
		s.redirectFlash(w, r, "/admin/people/"+itoa64(id), key)
	}
}

func (s *Server) adminResendVerification(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.Accounts.ResendVerification(r.Context(), userOf(r), id); err != nil {
		if pasched.ErrorCode(err) == pasched.EINVALID {
			s.errorPage(w, r, http.StatusUnprocessableEntity, "No email sent", errorWords(err))
			return
		}
		s.useCaseError(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/admin/people/"+itoa64(id), "verification-sent")
}

// adminRecalculateStats works out a PA's pattern statistics now.
func (s *Server) adminRecalculateStats(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok || s.Coverage == nil {
		s.notFound(w, r)
		return
	}
	if _, err := s.Coverage.RecalculateStats(r.Context(), userOf(r), id); err != nil {
		s.useCaseError(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/admin/people/"+itoa64(id), "stats-updated")
}

// dayOptions are the preferred-day checkboxes, ticked as f has them.
func dayOptions(f *Form) []DayOption {
	out := make([]DayOption, 0, len(scheduling.Days))
	for _, d := range scheduling.Days {
		out = append(out, DayOption{Value: d, Label: strings.ToUpper(d[:1]) + d[1:], Checked: f.Has("preferred_days", d)})
	}
	return out
}
