// Package schedule holds the pure scheduling rules of pasched: civil dates
// and wall-clock times, shift durations, overnight intervals, overlaps,
// critical-window coverage, weekly hours, ISO weeks and calendar grids.
//
// It knows nothing but the standard library and does no I/O; callers load
// shifts, hand them in, and store what comes back.
//
// # Contracts
//
//   - Dates and times are local wall-clock values with no time zone. To put
//     them on one timeline, a date's midnight is expressed as a UTC
//     time.Time (see [Date.Midnight]); UTC has no daylight-saving jumps, so
//     every day lasts exactly 24 hours and a 21:00–09:00 shift always lasts
//     12 hours.
//   - A shift whose end time is at or before its start time ends on the next
//     day (overnight). Equal start and end times are refused by
//     [ValidateTimes] as a zero-length shift; should such a shift reach this
//     package anyway, it is read as lasting 24 hours, never zero.
//   - Every interval is half-open, [Start, End): back-to-back shifts never
//     clash, and a shift ending at 00:00 does not touch the next day.
//   - Hours are counted in hundredths of an hour (int64), exactly as the
//     Django seed's DecimalField(max_digits=4, decimal_places=2) stores them;
//     see [DurationHundredths] and [FormatHours].
//   - [ParseDate] and [ParseTime] accept exactly the strings that Django REST
//     Framework 3.16's DateField and TimeField accept on Django 5.2 and
//     CPython 3.11, quirks included, so a client of the seed keeps working.
package schedule
