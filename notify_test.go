package pasched

import (
	"testing"
	"time"

	"pasched/schedule"
)

func TestQuietHoursSendAt(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, london) }
	night := &QuietHours{Start: 22 * 60, End: 7 * 60}
	siesta := &QuietHours{Start: 13 * 60, End: 15 * 60}
	for _, c := range []struct {
		name  string
		quiet *QuietHours
		now   time.Time
		shift time.Time // zero: not about a shift
		want  time.Time
	}{
		{"no quiet hours", nil, at(2026, 6, 1, 23, 0), time.Time{}, at(2026, 6, 1, 23, 0)},
		{"before the quiet hours", night, at(2026, 6, 1, 21, 59), time.Time{}, at(2026, 6, 1, 21, 59)},
		{"at their start", night, at(2026, 6, 1, 22, 0), time.Time{}, at(2026, 6, 2, 7, 0)},
		{"late evening waits for the morning", night, at(2026, 6, 1, 23, 30), time.Time{}, at(2026, 6, 2, 7, 0)},
		{"after midnight waits for the same morning", night, at(2026, 6, 2, 3, 0), time.Time{}, at(2026, 6, 2, 7, 0)},
		{"at their end", night, at(2026, 6, 2, 7, 0), time.Time{}, at(2026, 6, 2, 7, 0)},
		{"a shift starting in the quiet hours goes at once", night, at(2026, 6, 1, 23, 0), at(2026, 6, 2, 6, 0), at(2026, 6, 1, 23, 0)},
		{"a shift starting after them waits", night, at(2026, 6, 1, 23, 0), at(2026, 6, 2, 9, 0), at(2026, 6, 2, 7, 0)},
		{"a shift starting exactly at their end waits", night, at(2026, 6, 1, 23, 0), at(2026, 6, 2, 7, 0), at(2026, 6, 2, 7, 0)},
		{"daytime quiet hours", siesta, at(2026, 6, 1, 14, 0), time.Time{}, at(2026, 6, 1, 15, 0)},
		{"outside daytime quiet hours", siesta, at(2026, 6, 1, 16, 0), time.Time{}, at(2026, 6, 1, 16, 0)},
		// The night the clocks go forward (01:00 → 02:00) is an hour shorter.
		{"across the spring change", night, at(2026, 3, 28, 23, 0), time.Time{}, at(2026, 3, 29, 7, 0)},
		{"across the autumn change", night, at(2026, 10, 24, 23, 0), time.Time{}, at(2026, 10, 25, 7, 0)},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &NotificationSettings{Quiet: c.quiet}
			got := s.SendAt(c.now.UTC(), london, c.shift)
			if !got.Equal(c.want) {
				t.Fatalf("SendAt = %s, want %s", got.In(london), c.want)
			}
		})
	}
	// 07:00 local is 06:00 UTC in summer and 07:00 UTC in winter.
	if got := (&NotificationSettings{Quiet: night}).SendAt(at(2026, 10, 24, 23, 0), london, time.Time{}); !got.Equal(time.Date(2026, 10, 25, 7, 0, 0, 0, time.UTC)) {
		t.Fatalf("autumn end %s", got.UTC())
	}
}

func TestSettingsValidate(t *testing.T) {
	for _, c := range []struct {
		name  string
		s     NotificationSettings
		field string // "" valid
	}{
		{"defaults", *DefaultNotificationSettings(1), ""},
		{"every lead", NotificationSettings{ReminderLeadHours: 24, Disabled: []string{NotifyReminder, NotifyDailyDigest}}, ""},
		{"no reminders", NotificationSettings{ReminderLeadHours: 0}, ""},
		{"odd lead", NotificationSettings{ReminderLeadHours: 2}, "reminder_lead_hours"},
		{"unknown kind", NotificationSettings{ReminderLeadHours: 12, Disabled: []string{"spam"}}, "email"},
		{"empty quiet hours", NotificationSettings{ReminderLeadHours: 12, Quiet: &QuietHours{Start: 60, End: 60}}, "quiet_hours"},
		{"quiet hours out of the day", NotificationSettings{ReminderLeadHours: 12, Quiet: &QuietHours{Start: 0, End: 24 * 60}}, "quiet_hours"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.s.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Code != EINVALID || len(e.Fields[c.field]) == 0 {
				t.Fatalf("err %v, want a %s error", err, c.field)
			}
		})
	}
}

func TestSetKindAndWants(t *testing.T) {
	s := DefaultNotificationSettings(1)
	s.SetKind(NotifyReminder, false)
	s.SetKind(NotifyReminder, false)
	s.SetKind(NotifyShiftApproved, false)
	if s.Wants(NotifyReminder) || s.Wants(NotifyShiftApproved) || !s.Wants(NotifyShiftRejected) || !s.Wants("") {
		t.Fatalf("%v", s.Disabled)
	}
	if len(s.Disabled) != 2 {
		t.Fatalf("kinds twice: %v", s.Disabled)
	}
	s.SetKind(NotifyReminder, true)
	if !s.Wants(NotifyReminder) || len(s.Disabled) != 1 {
		t.Fatalf("%v", s.Disabled)
	}
}

func TestShiftStartAndReminderAt(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	d := schedule.MustDate(2026, time.March, 29)
	start := ShiftStart(d, schedule.Clock(9, 0, 0), london)
	if !start.Equal(time.Date(2026, 3, 29, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("start %s", start.UTC())
	}
	// The lead is real hours: 12 before 09:00 BST (08:00 UTC) is 20:00 GMT
	// the evening before, across the night the clocks went forward.
	if got := ReminderAt(start, 12); !got.Equal(time.Date(2026, 3, 28, 20, 0, 0, 0, time.UTC)) {
		t.Fatalf("reminder %s", got.UTC())
	}
	if !ReminderAt(start, 0).IsZero() {
		t.Fatal("lead 0 has a reminder")
	}
}

func FuzzParseClockMinutes(f *testing.F) {
	for _, s := range []string{"22:00", "07:30", "00:00", "23:59", "24:00", "7:00", "22:00:01", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseClockMinutes(s)
		if err != nil {
			return
		}
		if m < 0 || m >= 24*60 {
			t.Fatalf("%q → %d", s, m)
		}
		if back, err := ParseClockMinutes(FormatClockMinutes(m)); err != nil || back != m {
			t.Fatalf("%q → %d → %q → %d, %v", s, m, FormatClockMinutes(m), back, err)
		}
	})
}
