package schedule

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidTime is wrapped by every error about a malformed or impossible
// time of day, so callers can test for it with errors.Is.
var ErrInvalidTime = errors.New("invalid time")

// Day is the length of every civil day on the package's wall-clock timeline.
const Day = 24 * time.Hour

const microsPerDay = int64(Day / time.Microsecond)

// TimeOfDay is a wall-clock time since midnight, 00:00 ≤ t < 24:00, with
// microsecond precision (as Python's datetime.time). The zero value is
// midnight. Values compare with == and order with Compare.
type TimeOfDay struct {
	us int64 // microseconds since midnight, 0 ≤ us < microsPerDay
}

// NewTime returns hour:minute:second.microsecond, or an error wrapping
// ErrInvalidTime when a field is out of range (hour 0..23, minute and second
// 0..59, microsecond 0..999999).
func NewTime(hour, minute, second, microsecond int) (TimeOfDay, error) {
	switch {
	case hour < 0 || hour > 23:
		return TimeOfDay{}, fmt.Errorf("hour %d must be in 0..23: %w", hour, ErrInvalidTime)
	case minute < 0 || minute > 59:
		return TimeOfDay{}, fmt.Errorf("minute %d must be in 0..59: %w", minute, ErrInvalidTime)
	case second < 0 || second > 59:
		return TimeOfDay{}, fmt.Errorf("second %d must be in 0..59: %w", second, ErrInvalidTime)
	case microsecond < 0 || microsecond > 999999:
		return TimeOfDay{}, fmt.Errorf("microsecond %d must be in 0..999999: %w", microsecond, ErrInvalidTime)
	}
	return TimeOfDay{us: ((int64(hour)*60+int64(minute))*60+int64(second))*1e6 + int64(microsecond)}, nil
}

// Clock returns hour:minute:second for literals known to be valid; it panics
// otherwise.
func Clock(hour, minute, second int) TimeOfDay {
	t, err := NewTime(hour, minute, second, 0)
	if err != nil {
		panic("schedule.Clock: " + err.Error())
	}
	return t
}

// TimeOf returns the wall-clock time of t in t's own location.
func TimeOf(t time.Time) TimeOfDay {
	h, m, s := t.Clock()
	tod, _ := NewTime(h, m, s, t.Nanosecond()/1000)
	return tod
}

// timeFromMicros wraps any count of microseconds onto the clock.
func timeFromMicros(us int64) TimeOfDay {
	us %= microsPerDay
	if us < 0 {
		us += microsPerDay
	}
	return TimeOfDay{us: us}
}

// Hour returns the hour, 0..23.
func (t TimeOfDay) Hour() int { return int(t.us / 3_600_000_000) }

// Minute returns the minute, 0..59.
func (t TimeOfDay) Minute() int { return int(t.us / 60_000_000 % 60) }

// Second returns the second, 0..59.
func (t TimeOfDay) Second() int { return int(t.us / 1_000_000 % 60) }

// Microsecond returns the microsecond within the second, 0..999999.
func (t TimeOfDay) Microsecond() int { return int(t.us % 1_000_000) }

// Microseconds returns the time elapsed since midnight in microseconds.
func (t TimeOfDay) Microseconds() int64 { return t.us }

// SinceMidnight returns the time elapsed since midnight.
func (t TimeOfDay) SinceMidnight() time.Duration { return time.Duration(t.us) * time.Microsecond }

// Before reports whether t is earlier in the day than o.
func (t TimeOfDay) Before(o TimeOfDay) bool { return t.us < o.us }

// After reports whether t is later in the day than o.
func (t TimeOfDay) After(o TimeOfDay) bool { return t.us > o.us }

// Compare returns -1, 0 or +1 as t is before, equal to or after o.
func (t TimeOfDay) Compare(o TimeOfDay) int {
	switch {
	case t.us < o.us:
		return -1
	case t.us > o.us:
		return 1
	}
	return 0
}

// String formats t as Django REST Framework renders a TimeField (Python's
// time.isoformat): "06:00:00", or "06:00:00.500000" when the microseconds
// are not zero.
func (t TimeOfDay) String() string {
	if us := t.Microsecond(); us != 0 {
		return fmt.Sprintf("%02d:%02d:%02d.%06d", t.Hour(), t.Minute(), t.Second(), us)
	}
	return fmt.Sprintf("%02d:%02d:%02d", t.Hour(), t.Minute(), t.Second())
}

// Format12h formats t as Python's strftime("%I:%M %p") in the C locale,
// "06:00 AM" or "12:30 PM", as the seed's conflict messages do.
func (t TimeOfDay) Format12h() string {
	h := t.Hour()
	ampm := "AM"
	if h >= 12 {
		ampm = "PM"
	}
	h %= 12
	if h == 0 {
		h = 12
	}
	return fmt.Sprintf("%02d:%02d %s", h, t.Minute(), ampm)
}

// MarshalText implements encoding.TextMarshaler with String.
func (t TimeOfDay) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseTime.
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	v, err := ParseTime(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// ParseTime parses an ISO 8601 time of day, "hh:mm", "hh:mm:ss" or
// "hh:mm:ss.f" with one to six fraction digits, the forms String writes and
// the databases store; the hour may have one digit ("8:00"), as people
// write it. Out-of-range fields (25:00, 06:60) and any other form
// are errors wrapping ErrInvalidTime. Front ends that accept more (the api's
// DRF fields, see api/pyparse) read it themselves.
func ParseTime(s string) (TimeOfDay, error) {
	in := s
	if len(s) > 1 && s[1] == ':' {
		s = "0" + s
	}
	if len(s) == 5 || len(s) == 8 || (len(s) >= 10 && len(s) <= 15 && s[8] == '.') {
		h, ok1 := asciiDigits(s[0:2])
		m, ok2 := asciiDigits(s[3:5])
		sec, ok3, us, ok4 := 0, true, 0, true
		if len(s) >= 8 {
			sec, ok3 = asciiDigits(s[6:8])
			ok3 = ok3 && s[5] == ':'
		}
		if len(s) >= 10 {
			frac := s[9:]
			us, ok4 = asciiDigits(frac)
			for n := len(frac); n < 6; n++ {
				us *= 10
			}
		}
		if ok1 && ok2 && ok3 && ok4 && s[2] == ':' {
			t, err := NewTime(h, m, sec, us)
			if err != nil {
				return TimeOfDay{}, fmt.Errorf("parse time %q: %w", in, err)
			}
			return t, nil
		}
	}
	return TimeOfDay{}, fmt.Errorf("parse time %q: want hh:mm[:ss[.uuuuuu]]: %w", in, ErrInvalidTime)
}
