// Package pyparse reads dates and times as the seed's API does: Django REST
// Framework 3.16's DateField and TimeField on Django 5.2 and CPython 3.11,
// quirk for quirk, so that what a seed client sends is accepted or refused
// as before. It is the JSON API's business (a front end's); the rules in
// schedule read only the ISO forms the databases store.
//
// It ports:
//
//   - CPython's C implementation of date.fromisoformat and time.fromisoformat
//     (Modules/_datetimemodule.c), which read the UTF-8 bytes of the string
//     and treat a NUL byte as its end;
//   - Django's fallback regular expressions date_re and time_re, matched with
//     Python's re module, where \d is any Unicode decimal digit and $ also
//     matches before one trailing newline.
//
// Range checks (month 1..12, hour 0..23, ...) are the schedule
// constructors', as Python leaves them to the date and time constructors.
package pyparse

import (
	"fmt"
	"sort"
	"time"
	"unicode/utf8"

	"pasched/schedule"
)

// microsPerDay bounds a UTC offset, as Python's timezone does.
const microsPerDay = int64(24 * time.Hour / time.Microsecond)

// Date parses a date exactly as Django REST Framework 3.16's DateField
// parses ISO-8601 input on Django 5.2 and CPython 3.11 (django.utils.dateparse
// .parse_date): first Python's date.fromisoformat ("2030-03-02",
// "20300302", ISO week dates such as "2030-W09-6" and "2030W096"; like
// CPython, it ignores the last two bytes of a ten-byte basic-form string,
// "20300302xy"), then Django's pattern YYYY-M-D with one- or two-digit
// month and day, which like Python's re takes any Unicode decimal digits
// and one trailing newline. Impossible dates (2030-02-30, year 0) are
// errors wrapping schedule.ErrInvalidDate.
func Date(s string) (schedule.Date, error) {
	if y, m, d, ok := pyDateFromISOFormat(s); ok {
		if date, err := schedule.NewDate(y, time.Month(m), d); err == nil {
			return date, nil
		}
	}
	if y, m, d, ok := djangoDateRE(s); ok {
		date, err := schedule.NewDate(y, time.Month(m), d)
		if err != nil {
			return schedule.Date{}, fmt.Errorf("parse date %q: %w", s, err)
		}
		return date, nil
	}
	return schedule.Date{}, fmt.Errorf("parse date %q: want YYYY-MM-DD: %w", s, schedule.ErrInvalidDate)
}

// Time parses a time of day exactly as Django REST Framework 3.16's
// TimeField parses ISO-8601 input on Django 5.2 and CPython 3.11
// (django.utils.dateparse.parse_time).
//
// First Python's time.fromisoformat: "06:00", "06:00:00", "060000", "06",
// fractions of any length after "." or "," (truncated to microseconds), an
// optional leading "T", and a UTC offset ("Z", "+02:00", "-0530") that must
// be under 24 hours and is then dropped, as Django drops it: "06:00+02:00"
// is 06:00. Then Django's pattern h:m[:s[.f]] with one- or two-digit fields,
// any Unicode decimal digits, up to twelve fraction digits (six kept) and one
// trailing newline allowed. Out-of-range fields (25:00, 06:60) are errors
// wrapping schedule.ErrInvalidTime.
func Time(s string) (schedule.TimeOfDay, error) {
	if p, ok := pyTimeFromISOFormat(s); ok {
		offsetOK := !p.hasOffset || (p.offsetMicros > -microsPerDay && p.offsetMicros < microsPerDay)
		if t, err := schedule.NewTime(p.hour, p.minute, p.second, p.micro); err == nil && offsetOK {
			return t, nil
		}
	}
	if p, ok := djangoTimeRE(s); ok {
		t, err := schedule.NewTime(p.hour, p.minute, p.second, p.micro)
		if err != nil {
			return schedule.TimeOfDay{}, fmt.Errorf("parse time %q: %w", s, err)
		}
		return t, nil
	}
	return schedule.TimeOfDay{}, fmt.Errorf("parse time %q: want hh:mm[:ss[.uuuuuu]]: %w", s, schedule.ErrInvalidTime)
}

// cstr gives C-string access to s: bytes past the end read as NUL.
type cstr string

func (s cstr) at(i int) byte {
	if i < 0 || i >= len(s) {
		return 0
	}
	return s[i]
}

// digits is CPython's parse_digits: exactly n ASCII digits from position p.
func (s cstr) digits(p, n int) (val, next int, ok bool) {
	for i := 0; i < n; i++ {
		c := s.at(p)
		p++
		if c < '0' || c > '9' {
			return 0, p, false
		}
		val = val*10 + int(c-'0')
	}
	return val, p, true
}

// pyDateFromISOFormat ports CPython 3.11 date.fromisoformat up to, not
// including, the range checks of the date constructor. ISO week dates are
// resolved to a calendar date here, as CPython's iso_to_ymd does.
func pyDateFromISOFormat(str string) (y, m, d int, ok bool) {
	s := cstr(str)
	n := len(s)
	if n != 7 && n != 8 && n != 10 {
		return 0, 0, 0, false
	}
	y, p, ok := s.digits(0, 4)
	if !ok {
		return 0, 0, 0, false
	}
	sep := s.at(p) == '-'
	if sep {
		p++
	}
	if s.at(p) == 'W' {
		p++
		week, p, ok := s.digits(p, 2)
		if !ok {
			return 0, 0, 0, false
		}
		day := 1
		if p < n {
			if sep {
				if s.at(p) != '-' {
					return 0, 0, 0, false
				}
				p++
			}
			if day, _, ok = s.digits(p, 1); !ok {
				return 0, 0, 0, false
			}
		}
		if day < 1 || day > 7 {
			return 0, 0, 0, false
		}
		monday, err := schedule.ISOWeekStart(y, week)
		if err != nil {
			return 0, 0, 0, false
		}
		yy, mm, dd := monday.AddDays(day - 1).Date()
		return yy, int(mm), dd, true
	}
	if m, p, ok = s.digits(p, 2); !ok {
		return 0, 0, 0, false
	}
	if sep {
		if s.at(p) != '-' {
			return 0, 0, 0, false
		}
		p++
	}
	if d, _, ok = s.digits(p, 2); !ok {
		return 0, 0, 0, false
	}
	// CPython does not check that the string ends here: "20300302xy" is
	// 2030-03-02.
	return y, m, d, true
}

// pyTime is what CPython's time.fromisoformat parsed, before range checks.
type pyTime struct {
	hour, minute, second, micro int
	hasOffset                   bool
	offsetMicros                int64 // signed UTC offset
}

// pyTimeFromISOFormat ports CPython 3.11 time.fromisoformat up to, not
// including, the range checks of the time and timezone constructors.
func pyTimeFromISOFormat(str string) (pyTime, bool) {
	if len(str) > 0 && str[0] == 'T' {
		str = str[1:]
	}
	s := cstr(str)
	end := len(s)

	tz := 0
	for {
		if c := s.at(tz); c == 'Z' || c == '+' || c == '-' {
			break
		}
		tz++
		if tz >= end {
			break
		}
	}

	var t pyTime
	rv := s.hhmmssff(0, tz, &t.hour, &t.minute, &t.second, &t.micro)
	if rv < 0 {
		return t, false
	}
	if tz == end {
		return t, rv == 0
	}
	t.hasOffset = true
	if s.at(tz) == 'Z' {
		return t, s.at(tz+1) == 0
	}
	sign := int64(1)
	if s.at(tz) == '-' {
		sign = -1
	}
	var h, m, sec, us int
	if s.hhmmssff(tz+1, end, &h, &m, &sec, &us) != 0 {
		return t, false
	}
	t.offsetMicros = sign * ((int64(h)*3600+int64(m)*60+int64(sec))*1e6 + int64(us))
	return t, true
}

// hhmmssff ports CPython's parse_hh_mm_ss_ff over s[p:end] (reading past end
// as CPython does): 0 on success at the end of the string, 1 on success
// with more text after it, negative on failure.
func (s cstr) hhmmssff(p, end int, hour, minute, second, micro *int) int {
	*hour, *minute, *second, *micro = 0, 0, 0, 0
	vals := [3]*int{hour, minute, second}
	hasSep := true
	for i := 0; i < 3; i++ {
		v, np, ok := s.digits(p, 2)
		if !ok {
			return -3
		}
		*vals[i] = v
		p = np
		c := s.at(p)
		p++
		if i == 0 {
			hasSep = c == ':'
		}
		if p >= end {
			if c != 0 {
				return 1
			}
			return 0
		} else if hasSep && c == ':' {
			continue
		} else if c == '.' || c == ',' {
			break
		} else if !hasSep {
			p--
		} else {
			return -4
		}
	}
	n := end - p
	if n > 6 {
		n = 6
	}
	v, p, ok := s.digits(p, n)
	if !ok {
		return -3
	}
	for k := n; k < 6; k++ {
		v *= 10
	}
	*micro = v
	for c := s.at(p); c >= '0' && c <= '9'; c = s.at(p) {
		p++
	}
	if s.at(p) != 0 {
		return 1
	}
	return 0
}

// unicodeDigitZeros lists the code point of digit zero of every run of ten
// Unicode decimal digits (general category Nd) known to CPython 3.11, whose
// Unicode database is version 14.0.0. Go's unicode tables are newer, so they
// are not used: the set must be Python's.
var unicodeDigitZeros = [...]rune{
	0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6,
	0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0,
	0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620,
	0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066,
	0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0,
	0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2,
	0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
}

// pyDigit reports whether r matches Python's \d and, if so, its value, as
// Python's int() reads it.
func pyDigit(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	i := sort.Search(len(unicodeDigitZeros), func(i int) bool { return unicodeDigitZeros[i] > r }) - 1
	if i >= 0 && r-unicodeDigitZeros[i] < 10 {
		return int(r - unicodeDigitZeros[i]), true
	}
	return 0, false
}

// reDigits reads up to max Python \d characters from byte p, as \d{1,max}
// does greedily, returning how many it read, their decimal value and the
// byte position after them.
func reDigits(s string, p, max int) (count, val, next int) {
	for count < max && p < len(s) {
		r, size := utf8.DecodeRuneInString(s[p:])
		v, ok := pyDigit(r)
		if !ok {
			break
		}
		val = val*10 + v
		count++
		p += size
	}
	return count, val, p
}

// reEnd reports whether Python's $ (without MULTILINE) matches at byte p:
// at the end of s, or before a newline that ends s.
func reEnd(s string, p int) bool {
	return p == len(s) || (p == len(s)-1 && s[p] == '\n')
}

// reByte reports whether s has byte c at p.
func reByte(s string, p int, c byte) bool {
	return p < len(s) && s[p] == c
}

// djangoDateRE matches Django 5.2's date_re,
// (?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})$, from the start of s.
// Each group is followed by a non-digit, so greedy reads need no
// backtracking.
func djangoDateRE(s string) (y, m, d int, ok bool) {
	n, y, p := reDigits(s, 0, 4)
	if n != 4 || !reByte(s, p, '-') {
		return 0, 0, 0, false
	}
	if n, m, p = reDigits(s, p+1, 2); n == 0 || !reByte(s, p, '-') {
		return 0, 0, 0, false
	}
	if n, d, p = reDigits(s, p+1, 2); n == 0 || !reEnd(s, p) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// djangoTimeRE matches Django 5.2's time_re,
// (?P<hour>\d{1,2}):(?P<minute>\d{1,2})(?::(?P<second>\d{1,2})
// (?:[.,](?P<microsecond>\d{1,6})\d{0,6})?)?$, from the start of s; the
// microsecond group is right-padded with zeros to six digits, as Django does.
func djangoTimeRE(s string) (t pyTime, ok bool) {
	n, h, p := reDigits(s, 0, 2)
	if n == 0 || !reByte(s, p, ':') {
		return t, false
	}
	n, m, p := reDigits(s, p+1, 2)
	if n == 0 {
		return t, false
	}
	t.hour, t.minute = h, m
	if reEnd(s, p) {
		return t, true
	}
	if !reByte(s, p, ':') {
		return t, false
	}
	n, sec, p := reDigits(s, p+1, 2)
	if n == 0 {
		return t, false
	}
	t.second = sec
	if reEnd(s, p) {
		return t, true
	}
	if !reByte(s, p, '.') && !reByte(s, p, ',') {
		return t, false
	}
	n, us, p := reDigits(s, p+1, 6)
	if n == 0 {
		return t, false
	}
	if _, _, p = reDigits(s, p, 6); !reEnd(s, p) {
		return t, false
	}
	for ; n < 6; n++ {
		us *= 10
	}
	t.micro = us
	return t, true
}
