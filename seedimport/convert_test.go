package seedimport

import (
	"database/sql"
	"testing"
	"time"
)

// FuzzConvert: no value read from a seed database makes the converter
// panic, and a timestamp it accepts is a UTC instant written back in
// sqlstore's format.
func FuzzConvert(f *testing.F) {
	for _, s := range []string{"2026-12-06 05:02:53.346524", "2026-12-06 05:02:53", "2026-12-06T05:02:53.1",
		"2026-12-06 05:02:53.346524+00:00", "1", "0", "true", "f", "8.00", "0", "-1.5", "x",
		"4aa08b38d53547ec9d8b9acf4116ca62", "4aa08b38-d535-47ec-9d8b-9acf4116ca62", "", "9999999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for k := kText; k <= kUUID; k++ {
			v, err := convert(k, sql.NullString{String: s, Valid: true})
			if err != nil {
				continue
			}
			if k == kTimestamp {
				ts, err := time.Parse("2006-01-02T15:04:05.000000Z", v.(string))
				if err != nil {
					t.Fatalf("timestamp %q became %q, not sqlstore's format: %v", s, v, err)
				}
				if ts.Location() != time.UTC {
					t.Fatalf("timestamp %q not in UTC", s)
				}
			}
		}
		if v, err := convert(kInt, sql.NullString{}); v != nil || err != nil {
			t.Fatalf("NULL became %v, %v", v, err)
		}
	})
}

func TestConvertUUIDAndBool(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		k    kind
		in   string
		want any
	}{
		{kUUID, "4AA08B38D53547EC9D8B9ACF4116CA62", "4aa08b38-d535-47ec-9d8b-9acf4116ca62"},
		{kUUID, "4aa08b38-d535-47ec-9d8b-9acf4116ca62", "4aa08b38-d535-47ec-9d8b-9acf4116ca62"},
		{kBool, "1", true}, {kBool, "false", false}, {kBool, "t", true},
		{kTimestamp, "2026-12-06 05:02:53.346524", "2026-12-06T05:02:53.346524Z"},
		{kTimestamp, "2026-12-06 05:02:53", "2026-12-06T05:02:53.000000Z"},
		{kDecimal, "8.00", "8.00"},
	} {
		got, err := convert(c.k, sql.NullString{String: c.in, Valid: true})
		if err != nil || got != c.want {
			t.Errorf("convert(%d, %q) = %v, %v; want %v", c.k, c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		k  kind
		in string
	}{{kBool, "yes"}, {kInt, "1.5"}, {kTimestamp, "yesterday"}, {kDecimal, "eight"}} {
		if _, err := convert(c.k, sql.NullString{String: c.in, Valid: true}); err == nil {
			t.Errorf("convert(%d, %q) accepted it", c.k, c.in)
		}
	}
}
