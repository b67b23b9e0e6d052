package pasched

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"pasched/schedule"
)

// Kinds of notification email a user can switch off. Account emails
// (verification, password reset) have no kind: they are always sent.
const (
	NotifyNewRequest      = "new_request"      // admins: a PA asked for a shift
	NotifyShiftApproved   = "shift_approved"   // PA: their request was approved
	NotifyShiftRejected   = "shift_rejected"   // PA: their request was not approved
	NotifyShiftChanged    = "shift_changed"    // PA: an approved shift of theirs was changed
	NotifyShiftCancelled  = "shift_cancelled"  // PA: an approved shift of theirs was deleted
	NotifyPeriodFinalized = "period_finalized" // PA: a schedule period was finalised
	NotifyReminder        = "reminder"         // PA: a shift starts soon
	NotifyCoverOffer      = "cover_offer"      // PA: an offer to cover a gap
	NotifyDailyDigest     = "daily_digest"     // admins: the coverage digest
)

// NotifyKind describes one kind of notification email.
type NotifyKind struct {
	Name  string // the stable key (API, unsubscribe tokens)
	Label string // how people read it
	// Roles are whom the kind is sent to.
	Roles []string
}

// NotifyKinds lists every kind, in the order settings show them.
var NotifyKinds = []NotifyKind{
	{NotifyNewRequest, "New shift requests", []string{RoleAdmin}},
	{NotifyShiftApproved, "Shift approved", []string{RolePA}},
	{NotifyShiftRejected, "Shift request not approved", []string{RolePA}},
	{NotifyShiftChanged, "Shift changed", []string{RolePA}},
	{NotifyShiftCancelled, "Shift cancelled", []string{RolePA}},
	{NotifyPeriodFinalized, "Schedule period finalised", []string{RolePA}},
	{NotifyReminder, "Reminder before each shift", []string{RolePA}},
	{NotifyCoverOffer, "Offers to cover a shift", []string{RolePA}},
	{NotifyDailyDigest, "Daily coverage digest", []string{RoleAdmin}},
}

// ValidNotifyKind reports whether k names a kind of notification email.
func ValidNotifyKind(k string) bool {
	return slices.ContainsFunc(NotifyKinds, func(n NotifyKind) bool { return n.Name == k })
}

// KindsFor returns the kinds a user of role receives.
func KindsFor(role string) []NotifyKind {
	var out []NotifyKind
	for _, k := range NotifyKinds {
		if slices.Contains(k.Roles, role) {
			out = append(out, k)
		}
	}
	return out
}

// ReminderLeads are the reminder lead times a user may choose, in hours;
// 0 means no reminders.
var ReminderLeads = []int{0, 1, 3, 12, 24}

// DefaultReminderLead is the lead time of a user who never chose one.
const DefaultReminderLead = 12

// NotificationSettings is one user's say over what reaches them.
type NotificationSettings struct {
	UserID int64
	// Disabled are the kinds whose emails the user switched off.
	Disabled []string
	// Quiet is the stretch of the day (in TIME_ZONE) without email; nil
	// when the user set none.
	Quiet *QuietHours
	// ReminderLeadHours is one of ReminderLeads.
	ReminderLeadHours int
	// FeedIncludePending puts the PA's pending requests in their calendar
	// feed, marked tentative.
	FeedIncludePending bool
	UpdatedAt          time.Time
}

// DefaultNotificationSettings are the settings of a user who changed none.
func DefaultNotificationSettings(userID int64) *NotificationSettings {
	return &NotificationSettings{UserID: userID, ReminderLeadHours: DefaultReminderLead}
}

// Wants reports whether the user gets emails of kind (account emails,
// kind "", always).
func (s *NotificationSettings) Wants(kind string) bool {
	return kind == "" || !slices.Contains(s.Disabled, kind)
}

// SetKind switches kind on or off.
func (s *NotificationSettings) SetKind(kind string, on bool) {
	i := slices.Index(s.Disabled, kind)
	switch {
	case on && i >= 0:
		s.Disabled = slices.Delete(s.Disabled, i, i+1)
	case !on && i < 0:
		s.Disabled = append(s.Disabled, kind)
		slices.Sort(s.Disabled)
	}
}

// Validate checks the settings, with field-level messages.
func (s *NotificationSettings) Validate() error {
	var fe FieldErrors
	for _, k := range s.Disabled {
		if !ValidNotifyKind(k) {
			fe.Add("email", fmt.Sprintf("%q is not a kind of notification.", k))
		}
	}
	if !slices.Contains(ReminderLeads, s.ReminderLeadHours) {
		fe.Add("reminder_lead_hours", "Choose one of 0 (no reminders), 1, 3, 12 or 24 hours.")
	}
	if q := s.Quiet; q != nil {
		if q.Start < 0 || q.Start >= 24*60 || q.End < 0 || q.End >= 24*60 {
			fe.Add("quiet_hours", "Times must lie between 00:00 and 23:59.")
		} else if q.Start == q.End {
			fe.Add("quiet_hours", "Quiet hours must start and end at different times.")
		}
	}
	return fe.Err()
}

// QuietHours is a daily stretch without email, [Start, End) in minutes
// after midnight in TIME_ZONE; End before Start runs past midnight
// (22:00–07:00).
type QuietHours struct {
	Start, End int
}

// ParseClockMinutes reads "HH:MM" (or "HH:MM:SS" with zero seconds) as
// minutes after midnight.
func ParseClockMinutes(s string) (int, error) {
	t, err := schedule.ParseTime(strings.TrimSpace(s))
	if err != nil || t.Second() != 0 || t.Microsecond() != 0 {
		return 0, fmt.Errorf("time %q: want HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// FormatClockMinutes writes minutes after midnight as "HH:MM".
func FormatClockMinutes(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// String formats q as "22:00-07:00".
func (q QuietHours) String() string {
	return FormatClockMinutes(q.Start) + "-" + FormatClockMinutes(q.End)
}

// contains reports whether the minute of the day m lies in q.
func (q QuietHours) contains(m int) bool {
	if q.Start < q.End {
		return m >= q.Start && m < q.End
	}
	return m >= q.Start || m < q.End
}

// Until returns when the quiet stretch that holds now ends, or now itself
// when now is not quiet. Wall-clock arithmetic is in loc, so the end is
// 07:00 local time on either side of a DST change (a 07:00 that does not
// exist that day moves as time.Date moves it).
func (q QuietHours) Until(now time.Time, loc *time.Location) time.Time {
	l := now.In(loc)
	m := l.Hour()*60 + l.Minute()
	if !q.contains(m) {
		return now
	}
	day := l.Day()
	if q.Start > q.End && m >= q.Start {
		day++ // ends tomorrow morning
	}
	return time.Date(l.Year(), l.Month(), day, q.End/60, q.End%60, 0, 0, loc)
}

// SendAt is when an email of kind may go out, given now: at once, or at the
// end of the quiet hours. A message about a shift starting before the quiet
// hours end (shiftStart non-zero) goes at once, so it never arrives after
// the shift began.
func (s *NotificationSettings) SendAt(now time.Time, loc *time.Location, shiftStart time.Time) time.Time {
	if s.Quiet == nil {
		return now
	}
	until := s.Quiet.Until(now, loc)
	if !until.After(now) {
		return now
	}
	if !shiftStart.IsZero() && shiftStart.Before(until) {
		return now
	}
	return until
}

// ShiftStart is the instant a shift starts: its date and start time on the
// wall clock of loc (TIME_ZONE). A start inside a DST gap moves forward as
// time.Date moves it.
func ShiftStart(d schedule.Date, start schedule.TimeOfDay, loc *time.Location) time.Time {
	y, m, day := d.Date()
	return time.Date(y, m, day, start.Hour(), start.Minute(), start.Second(), start.Microsecond()*1000, loc)
}

// ReminderAt is when the reminder of a shift starting at start is due for
// a lead of leadHours; the zero time when the user wants none.
func ReminderAt(start time.Time, leadHours int) time.Time {
	if leadHours <= 0 {
		return time.Time{}
	}
	return start.Add(-time.Duration(leadHours) * time.Hour)
}
