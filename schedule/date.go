package schedule

import (
	"errors"
	"fmt"
	"time"
)

// Year bounds of a valid Date, as Python's datetime.MINYEAR and MAXYEAR.
const (
	MinYear = 1
	MaxYear = 9999
)

// ErrInvalidDate is wrapped by every error about a malformed or impossible
// date, so callers can test for it with errors.Is.
var ErrInvalidDate = errors.New("invalid date")

// Date is a civil calendar date of the proleptic Gregorian calendar, with no
// time zone. Dates compare with == and order with Compare.
//
// The zero value is 0001-01-01, the first valid date. Dates made by ParseDate,
// NewDate and MustDate lie in years MinYear..MaxYear; arithmetic may step
// outside that range, and such a date cannot be marshalled.
type Date struct {
	// days counts days since 0001-01-01.
	days int32
}

// daysTo1970 is the number of days from 0001-01-01 to 1970-01-01.
const daysTo1970 = 719162

// NewDate returns the date year-month-day, or an error wrapping
// ErrInvalidDate when the year is outside MinYear..MaxYear or the month or
// day does not exist (2030-02-30).
func NewDate(year int, month time.Month, day int) (Date, error) {
	if year < MinYear || year > MaxYear {
		return Date{}, fmt.Errorf("year %d is out of range %d..%d: %w", year, MinYear, MaxYear, ErrInvalidDate)
	}
	if month < time.January || month > time.December {
		return Date{}, fmt.Errorf("month %d must be in 1..12: %w", int(month), ErrInvalidDate)
	}
	if day < 1 || day > DaysIn(year, month) {
		return Date{}, fmt.Errorf("day %d is out of range for %04d-%02d: %w", day, year, int(month), ErrInvalidDate)
	}
	return dateOf(year, month, day), nil
}

// MustDate is NewDate for literals known to be valid; it panics otherwise.
func MustDate(year int, month time.Month, day int) Date {
	d, err := NewDate(year, month, day)
	if err != nil {
		panic("schedule.MustDate: " + err.Error())
	}
	return d
}

// DateOf returns the calendar date of t in t's own location, so
// DateOf(time.Now().In(loc)) is "today" in loc.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return dateOf(y, m, d)
}

// dateOf builds a date without validation; y, m, d must form a real date
// (any year).
func dateOf(y int, m time.Month, d int) Date {
	return Date{days: int32(daysFromCivil(y, int(m), d) + daysTo1970)}
}

// daysFromCivil returns the days from 1970-01-01 to y-m-d (Howard Hinnant's
// algorithm, valid for every proleptic Gregorian year).
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int) (y int, m time.Month, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	mm := mp + 3
	if mm > 12 {
		mm -= 12
	}
	if mm <= 2 {
		y++
	}
	return y, time.Month(mm), d
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int) int {
	return a - floorDiv(a, b)*b
}

// isLeap reports whether year is a Gregorian leap year.
func isLeap(year int) bool {
	return year%4 == 0 && (year%100 != 0 || year%400 == 0)
}

// DaysIn returns the number of days of month in year (0 for a month outside
// 1..12).
func DaysIn(year int, month time.Month) int {
	switch month {
	case time.January, time.March, time.May, time.July, time.August, time.October, time.December:
		return 31
	case time.April, time.June, time.September, time.November:
		return 30
	case time.February:
		if isLeap(year) {
			return 29
		}
		return 28
	}
	return 0
}

// Date returns the year, month and day of d.
func (d Date) Date() (year int, month time.Month, day int) {
	return civilFromDays(int(d.days) - daysTo1970)
}

// Year returns d's year.
func (d Date) Year() int { y, _, _ := d.Date(); return y }

// Month returns d's month.
func (d Date) Month() time.Month { _, m, _ := d.Date(); return m }

// Day returns d's day of the month.
func (d Date) Day() int { _, _, day := d.Date(); return day }

// YearDay returns d's day of the year, 1..366.
func (d Date) YearDay() int {
	return int(d.days) - int(dateOf(d.Year(), time.January, 1).days) + 1
}

// AddDays returns d moved n days (n may be negative).
func (d Date) AddDays(n int) Date { return Date{days: d.days + int32(n)} }

// Weekday returns d's day of the week.
func (d Date) Weekday() time.Weekday {
	// 0001-01-01 was a Monday.
	return time.Weekday(floorMod(int(d.days)+1, 7))
}

// Before reports whether d comes before o.
func (d Date) Before(o Date) bool { return d.days < o.days }

// After reports whether d comes after o.
func (d Date) After(o Date) bool { return d.days > o.days }

// Equal reports whether d and o are the same date (as d == o).
func (d Date) Equal(o Date) bool { return d.days == o.days }

// Compare returns -1, 0 or +1 as d is before, equal to or after o; it suits
// slices.SortFunc.
func (d Date) Compare(o Date) int {
	switch {
	case d.days < o.days:
		return -1
	case d.days > o.days:
		return 1
	}
	return 0
}

// DaysUntil returns the number of days from d to o: positive when o is
// later, so d.AddDays(d.DaysUntil(o)) == o.
func (d Date) DaysUntil(o Date) int { return int(o.days) - int(d.days) }

// IsZero reports whether d is the zero Date, 0001-01-01.
func (d Date) IsZero() bool { return d.days == 0 }

// Valid reports whether d lies in years MinYear..MaxYear.
func (d Date) Valid() bool {
	y := d.Year()
	return y >= MinYear && y <= MaxYear
}

// Midnight returns the start of d on the package's wall-clock timeline: d at
// 00:00 expressed in UTC.
func (d Date) Midnight() time.Time {
	return time.Unix(int64(int(d.days)-daysTo1970)*86400, 0).UTC()
}

// String formats d as ISO 8601, "2030-03-02", as Django REST Framework
// renders a DateField.
func (d Date) String() string {
	y, m, day := d.Date()
	return fmt.Sprintf("%04d-%02d-%02d", y, int(m), day)
}

// MarshalText implements encoding.TextMarshaler ("2030-03-02"); it fails for
// a date outside years MinYear..MaxYear.
func (d Date) MarshalText() ([]byte, error) {
	if !d.Valid() {
		return nil, fmt.Errorf("marshal date: year %d is out of range: %w", d.Year(), ErrInvalidDate)
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseDate.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDate parses an ISO 8601 calendar date, "YYYY-MM-DD" (years
// 1..9999), the form String writes and the databases store. Impossible
// dates (2030-02-30, year 0) and any other form are errors wrapping
// ErrInvalidDate. Front ends that accept more (the api's DRF fields, see
// api/pyparse) read it themselves.
func ParseDate(s string) (Date, error) {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		y, ok1 := asciiDigits(s[0:4])
		m, ok2 := asciiDigits(s[5:7])
		d, ok3 := asciiDigits(s[8:10])
		if ok1 && ok2 && ok3 {
			date, err := NewDate(y, time.Month(m), d)
			if err != nil {
				return Date{}, fmt.Errorf("parse date %q: %w", s, err)
			}
			return date, nil
		}
	}
	return Date{}, fmt.Errorf("parse date %q: want YYYY-MM-DD: %w", s, ErrInvalidDate)
}

// asciiDigits reads a run of ASCII digits (no sign, no space).
func asciiDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, len(s) > 0
}

// refDate is an arbitrary date for rules that hold on every date alike.
var refDate = dateOf(2001, time.January, 1)
