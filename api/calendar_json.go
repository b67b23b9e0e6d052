package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

	"pasched/internal/jsonenc"
)

// The calendar views write their JSON by hand: a month of 600 shifts is
// about 150 KB, which encoding/json takes a few hundred microseconds to
// produce, most of the view's time once its span is cached. Each shift's
// JSON is rendered once, by encoding/json, when its span is loaded (calShift.raw);
// the rest is ASCII scaffolding appended here in the field order of the
// structs' json tags. TestCalendarJSONMatchesEncodingJSON holds the two
// encodings equal.

// calendarJSON is a view body that can append itself.
type calendarJSON interface{ appendJSON(b []byte) []byte }

// calendarBuffers recycles the views' output buffers: a month is too big
// to allocate afresh on every request without the garbage collector
// showing in the profile.
var calendarBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// maxPooledBuffer keeps an unusually large body's buffer out of the pool.
const maxPooledBuffer = 4 << 20

// writeCalendarJSON writes v with status 200, as writeJSON does.
func writeCalendarJSON(w http.ResponseWriter, v calendarJSON) {
	bp := calendarBuffers.Get().(*[]byte)
	b := v.appendJSON((*bp)[:0])
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	if cap(b) <= maxPooledBuffer {
		*bp = b
		calendarBuffers.Put(bp)
	}
}

// appendString appends s as a JSON string, as encoding/json writes it.
func appendString(b []byte, s string) []byte { return jsonenc.AppendString(b, s) }

func appendKey(b []byte, comma bool, key string) []byte {
	if comma {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

func appendInt(b []byte, n int) []byte { return strconv.AppendInt(b, int64(n), 10) }

func appendNumber(b []byte, n json.Number) []byte { return append(b, n...) }

func appendShift(b []byte, c *calShift) []byte {
	if c == nil {
		return append(b, "null"...)
	}
	return append(b, c.raw...)
}

func appendShifts(b []byte, list []*calShift) []byte {
	b = append(b, '[')
	for i, c := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendShift(b, c)
	}
	return append(b, ']')
}

func (c dayCoverage) appendJSON(b []byte) []byte {
	b = appendKey(append(b, '{'), false, "morning_covered")
	b = strconv.AppendBool(b, c.MorningCovered)
	b = appendKey(b, true, "evening_covered")
	b = strconv.AppendBool(b, c.EveningCovered)
	b = appendKey(b, true, "status")
	b = appendString(b, c.Status)
	return append(b, '}')
}

func (v *monthView) appendJSON(b []byte) []byte {
	b = appendKey(append(b, '{'), false, "year")
	b = appendInt(b, v.Year)
	b = appendKey(b, true, "month")
	b = appendInt(b, v.Month)
	b = appendKey(b, true, "month_name")
	b = appendString(b, v.MonthName)
	b = appendKey(b, true, "weeks")
	b = append(b, '[')
	for i := range v.Weeks {
		if i > 0 {
			b = append(b, ',')
		}
		b = v.Weeks[i].appendJSON(b)
	}
	b = append(b, ']')
	b = appendKey(b, true, "total_shifts")
	b = appendInt(b, v.TotalShifts)
	b = appendKey(b, true, "coverage_stats")
	b = v.CoverageStats.appendJSON(b)
	return append(b, '}')
}

func (w *monthWeek) appendJSON(b []byte) []byte {
	b = appendKey(append(b, '{'), false, "week_start")
	b = appendString(b, w.WeekStart)
	b = appendKey(b, true, "week_end")
	b = appendString(b, w.WeekEnd)
	b = appendKey(b, true, "week_number")
	b = appendInt(b, w.WeekNumber)
	b = appendKey(b, true, "days")
	b = append(b, '[')
	for i := range w.Days {
		if i > 0 {
			b = append(b, ',')
		}
		b = w.Days[i].appendJSON(b)
	}
	return append(b, ']', '}')
}

func (d *monthDay) appendJSON(b []byte) []byte {
	b = appendKey(append(b, '{'), false, "date")
	b = appendString(b, d.Date)
	b = appendKey(b, true, "day_name")
	b = appendString(b, d.DayName)
	b = appendKey(b, true, "shifts")
	b = appendShifts(b, d.Shifts)
	b = appendKey(b, true, "coverage")
	b = d.Coverage.appendJSON(b)
	b = appendKey(b, true, "total_hours")
	b = appendNumber(b, d.TotalHours)
	b = appendKey(b, true, "is_current_month")
	b = strconv.AppendBool(b, d.IsCurrentMonth)
	return append(b, '}')
}

func (s coverageStats) appendJSON(b []byte) []byte {
	b = appendKey(append(b, '{'), false, "total_days")
	b = appendInt(b, s.TotalDays)
	b = appendKey(b, true, "fully_covered")
	b = appendInt(b, s.FullyCovered)
	b = appendKey(b, true, "partially_covered")
	b = appendInt(b, s.PartiallyCovered)
	b = appendKey(b, true, "not_covered")
	b = appendInt(b, s.NotCovered)
	b = appendKey(b, true, "coverage_percentage")
	b = appendNumber(b, s.CoveragePercentage)
	return append(b, '}')
}

func (v *weekView) appendJSON(b []byte) []byte {
	b = appendKey(append(b, '{'), false, "week_start")
	b = appendString(b, v.WeekStart)
	b = appendKey(b, true, "week_end")
	b = appendString(b, v.WeekEnd)
	b = appendKey(b, true, "week_number")
	b = appendInt(b, v.WeekNumber)
	b = appendKey(b, true, "year")
	b = appendInt(b, v.Year)
	b = appendKey(b, true, "days")
	b = append(b, '[')
	for i := range v.Days {
		if i > 0 {
			b = append(b, ',')
		}
		b = v.Days[i].appendJSON(b)
	}
	b = append(b, ']')
	b = appendKey(b, true, "total_shifts")
	b = appendInt(b, v.TotalShifts)
	return append(b, '}')
}

func (d *weekDay) appendJSON(b []byte) []byte {
	b = appendKey(append(b, '{'), false, "date")
	b = appendString(b, d.Date)
	b = appendKey(b, true, "day_name")
	b = appendString(b, d.DayName)
	b = appendKey(b, true, "shifts")
	b = appendShifts(b, d.Shifts)
	b = appendKey(b, true, "hourly_shifts")
	b = d.HourlyShifts.appendJSON(b)
	b = appendKey(b, true, "coverage")
	b = d.Coverage.appendJSON(b)
	b = appendKey(b, true, "total_hours")
	b = appendNumber(b, d.TotalHours)
	return append(b, '}')
}

func (h *hourly) appendJSON(b []byte) []byte {
	b = append(b, '{')
	for i := range h {
		b = appendKey(b, i > 0, hourLabels[i])
		b = appendShifts(b, h[i])
	}
	return append(b, '}')
}

func (v *dayView) appendJSON(b []byte) []byte {
	b = appendKey(append(b, '{'), false, "date")
	b = appendString(b, v.Date)
	b = appendKey(b, true, "day_name")
	b = appendString(b, v.DayName)
	b = appendKey(b, true, "shifts")
	b = appendShifts(b, v.Shifts)
	b = appendKey(b, true, "coverage")
	b = v.Coverage.appendJSON(b)
	b = appendKey(b, true, "total_hours")
	b = appendNumber(b, v.TotalHours)
	b = appendKey(b, true, "timeline")
	b = append(b, '[')
	for i := range v.Timeline {
		if i > 0 {
			b = append(b, ',')
		}
		b = v.Timeline[i].appendJSON(b)
	}
	return append(b, ']', '}')
}

func (c dayShifts) appendJSON(b []byte) []byte {
	b = appendKey(append(b, '{'), false, "morning_covered")
	b = strconv.AppendBool(b, c.MorningCovered)
	b = appendKey(b, true, "evening_covered")
	b = strconv.AppendBool(b, c.EveningCovered)
	b = appendKey(b, true, "morning_shift")
	b = appendShift(b, c.MorningShift)
	b = appendKey(b, true, "evening_shift")
	b = appendShift(b, c.EveningShift)
	b = appendKey(b, true, "status")
	b = appendString(b, c.Status)
	return append(b, '}')
}

func (t *timelineHour) appendJSON(b []byte) []byte {
	b = appendKey(append(b, '{'), false, "hour")
	b = appendInt(b, t.Hour)
	b = appendKey(b, true, "hour_label")
	b = appendString(b, t.HourLabel)
	b = appendKey(b, true, "shifts")
	b = appendShifts(b, t.Shifts)
	b = appendKey(b, true, "is_critical_time")
	b = strconv.AppendBool(b, t.IsCriticalTime)
	return append(b, '}')
}
