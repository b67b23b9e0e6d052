package sqlstore

import (
	"fmt"
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
