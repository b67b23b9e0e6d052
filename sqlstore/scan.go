package sqlstore

import (
	"fmt"
	"strings"
	"time"
)

// tsLayout is how timestamps are written to both databases: RFC 3339 in UTC
// with microseconds, which sorts lexically in SQLite and parses in PostgreSQL.
const tsLayout = "2006-01-02T15:04:05.000000Z"

func formatTS(t time.Time) string { return t.UTC().Format(tsLayout) }

func formatTSPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTS(*t)
}

// timestamp scans a timestamp from either engine.
type timestamp struct{ t *time.Time }

func (s timestamp) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*s.t = v.UTC()
		return nil
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	}
	return fmt.Errorf("scan timestamp: unsupported %T", src)
}

func (s timestamp) parse(v string) error {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, v); err == nil {
			*s.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("scan timestamp: bad value %q", v)
}

// nullTimestamp scans a nullable timestamp.
type nullTimestamp struct{ t **time.Time }

func (s nullTimestamp) Scan(src any) error {
	if src == nil {
		*s.t = nil
		return nil
	}
	var t time.Time
	if err := (timestamp{&t}).Scan(src); err != nil {
		return err
	}
	*s.t = &t
	return nil
}

// dateText scans a DATE (PostgreSQL) or TEXT date (SQLite) as "YYYY-MM-DD".
type dateText struct{ s *string }

func (d dateText) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*d.s = v.Format("2006-01-02")
	case string:
		*d.s = v[:min(len(v), 10)]
	case []byte:
		*d.s = string(v[:min(len(v), 10)])
	case nil:
		*d.s = ""
	default:
		return fmt.Errorf("scan date: unsupported %T", src)
	}
	return nil
}

// timeText scans a TIME (PostgreSQL) or TEXT time (SQLite) as "HH:MM:SS[.ffffff]".
type timeText struct{ s *string }

func (d timeText) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		if v.Nanosecond() != 0 {
			*d.s = v.Format("15:04:05.000000")
		} else {
			*d.s = v.Format("15:04:05")
		}
	case string:
		*d.s = normTime(v)
	case []byte:
		*d.s = normTime(string(v))
	case nil:
		*d.s = ""
	default:
		return fmt.Errorf("scan time: unsupported %T", src)
	}
	return nil
}

// normTime turns PostgreSQL's "06:00:00" / "06:00:00.5" into the
// microsecond form the API prints.
func normTime(v string) string {
	if i := strings.IndexByte(v, '.'); i >= 0 {
		frac := v[i+1:]
		for len(frac) < 6 {
			frac += "0"
		}
		return v[:i+1] + frac[:6]
	}
	return v
}
