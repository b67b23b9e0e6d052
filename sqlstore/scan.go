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

// scanStored is the Scan of a value PostgreSQL hands over as a time.Time
// and SQLite as text: fromTime converts the one, parse reads the other.
func scanStored[T any](dst *T, src any, what string, fromTime func(time.Time) T, parse func(string) (T, error)) error {
	var (
		v   T
		err error
	)
	switch s := src.(type) {
	case time.Time:
		v = fromTime(s)
	case string:
		v, err = parse(s)
	case []byte:
		v, err = parse(string(s))
	default:
		return fmt.Errorf("scan %s: unsupported %T", what, src)
	}
	if err != nil {
		return fmt.Errorf("scan %s: %w", what, err)
	}
	*dst = v
	return nil
}

// timestamp scans a timestamp from either engine.
type timestamp struct{ t *time.Time }

func (s timestamp) Scan(src any) error {
	return scanStored(s.t, src, "timestamp", time.Time.UTC, parseStoredTimestamp)
}

// parseStoredTimestamp reads a timestamp as SQLite stores it (and as older
// rows may have it).
func parseStoredTimestamp(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad value %q", v)
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
