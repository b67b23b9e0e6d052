package scheduling

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
)

// Days are the names a PA's preferred days are stored with (the seed's
// JSON list: ["monday", "tuesday", …]), Monday first.
var Days = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// MaxWeeklyLimit bounds max_hours_per_week: the hours of a week.
const MaxWeeklyLimit = 168

// PAProfileInput is a whole PA profile as a form sends it. A PA may change
// their own preferences; the weekly limit and the notes are the admin's.
type PAProfileInput struct {
	PreferredDays []string
	// PreferredStart and PreferredEnd are "HH:MM" or "HH:MM:SS", "" for no
	// preference.
	PreferredStart, PreferredEnd string
	MaxHoursPerWeek              int
	Notes                        string
}

// Field names of PAProfileInput in validation errors.
const (
	FieldPreferredDays  = "preferred_days"
	FieldPreferredStart = "preferred_start_time"
	FieldPreferredEnd   = "preferred_end_time"
	FieldMaxHours       = "max_hours_per_week"
	FieldNotes          = "notes"
)

// validate checks in and returns the profile it describes over p.
func (in PAProfileInput) validate(p pasched.PAProfile, admin bool) (*pasched.PAProfile, error) {
	var fe pasched.FieldErrors
	var days []string
	for _, d := range Days { // keep the week's order, drop repeats
		if slices.Contains(in.PreferredDays, d) {
			days = append(days, d)
		}
	}
	for _, d := range in.PreferredDays {
		if !slices.Contains(Days, d) {
			fe.Add(FieldPreferredDays, "Choose days of the week.")
			break
		}
	}
	p.PreferredDays = days
	clock := func(field, v string) *string {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil
		}
		t, err := schedule.ParseTime(v)
		if err != nil {
			fe.Add(field, "Enter a time like 08:00.")
			return nil
		}
		s := fmt.Sprintf("%02d:%02d:00", t.Hour(), t.Minute())
		return &s
	}
	p.PreferredStartTime = clock(FieldPreferredStart, in.PreferredStart)
	p.PreferredEndTime = clock(FieldPreferredEnd, in.PreferredEnd)
	if admin {
		if in.MaxHoursPerWeek < 1 || in.MaxHoursPerWeek > MaxWeeklyLimit {
			fe.Add(FieldMaxHours, fmt.Sprintf("Enter a whole number of hours from 1 to %d.", MaxWeeklyLimit))
		}
		if len(in.Notes) > 5000 {
			fe.Add(FieldNotes, "Notes must be 5,000 characters or fewer.")
		}
		p.MaxHoursPerWeek, p.Notes = in.MaxHoursPerWeek, in.Notes
	}
	return &p, fe.Err()
}

// FindPAProfile returns a PA's profile: an admin any PA's, a PA their own.
// Codes: EFORBIDDEN, ENOTFOUND.
func (s *Service) FindPAProfile(ctx context.Context, u *pasched.User, paID int64) (*pasched.PAProfile, error) {
	if !u.IsAdmin() && u.ID != paID {
		return nil, pasched.Errorf(pasched.EFORBIDDEN, "You do not have permission to perform this action.")
	}
	return sqlstore.FindPAProfile(ctx, s.DB, paID)
}

// UpdatePAProfile saves a PA's profile: an admin may change everything, a
// PA only their own preferred days and times. A new weekly limit is applied
// at once to every week already recorded for the PA (weekly_coverage's
// exceeds_limit), under the same lock as approvals. An admin's change is
// audited. Codes: EFORBIDDEN, ENOTFOUND, EINVALID.
func (s *Service) UpdatePAProfile(ctx context.Context, u *pasched.User, paID int64, in PAProfileInput) (*pasched.PAProfile, error) {
	if !u.IsAdmin() && u.ID != paID {
		return nil, pasched.Errorf(pasched.EFORBIDDEN, "You do not have permission to perform this action.")
	}
	var out *pasched.PAProfile
	err := s.write(ctx, func(ctx context.Context, tx *wtx) error {
		if err := tx.lock(ctx, paID); err != nil { // the PA's weekly hours
			return err
		}
		old, err := sqlstore.FindPAProfile(ctx, tx, paID)
		if err != nil {
			return err
		}
		p, err := in.validate(*old, u.IsAdmin())
		if err != nil {
			return err
		}
		if err := sqlstore.SavePAProfile(ctx, tx.Tx, p); err != nil {
			return err
		}
		if p.MaxHoursPerWeek != old.MaxHoursPerWeek {
			rows, err := sqlstore.FindWeeklyHoursOfPA(ctx, tx, paID)
			if err != nil {
				return err
			}
			for _, w := range rows {
				if over := schedule.ExceedsLimit(w.Hundredths, p.MaxHoursPerWeek); over != w.ExceedsLimit {
					w.ExceedsLimit = over
					if err := sqlstore.SaveWeeklyHours(ctx, tx.Tx, w); err != nil {
						return err
					}
				}
			}
		}
		out = p
		if !u.IsAdmin() {
			return nil
		}
		name, err := sqlstore.FindUserName(ctx, tx, paID)
		if err != nil {
			return err
		}
		return sqlstore.InsertAudit(ctx, tx.Tx, &pasched.AuditEntry{At: tx.Now, ActorID: &u.ID, ActorName: u.DisplayName(),
			Kind: pasched.AuditUserProfileUpdated, Summary: profileSummary(name, old, p), SubjectUserID: &paID,
			Before: profileJSON(old), After: profileJSON(p)})
	})
	if err != nil {
		return nil, fmt.Errorf("update PA profile of user %d: %w", paID, err)
	}
	return out, nil
}

func profileSummary(name string, old, p *pasched.PAProfile) string {
	if old.MaxHoursPerWeek != p.MaxHoursPerWeek {
		return fmt.Sprintf("Changed %s's profile: weekly limit %d → %d hours", name, old.MaxHoursPerWeek, p.MaxHoursPerWeek)
	}
	return "Changed " + name + "'s profile"
}

func profileJSON(p *pasched.PAProfile) string {
	b, _ := json.Marshal(struct {
		Days     []string `json:"preferred_days"`
		Start    *string  `json:"preferred_start_time"`
		End      *string  `json:"preferred_end_time"`
		MaxHours int      `json:"max_hours_per_week"`
		Notes    string   `json:"notes"`
	}{p.PreferredDays, p.PreferredStartTime, p.PreferredEndTime, p.MaxHoursPerWeek, p.Notes})
	return string(b)
}
