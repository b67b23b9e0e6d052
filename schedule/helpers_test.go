package schedule

import "testing"

// d parses a test date literal, failing loudly on a typo.
func d(s string) Date {
	v, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

// tm parses a test time literal, failing loudly on a typo.
func tm(s string) TimeOfDay {
	v, err := ParseTime(s)
	if err != nil {
		panic(err)
	}
	return v
}

// sh builds a shift from literals.
func sh(id int64, date, start, end string) Shift {
	return Shift{ID: id, PAID: 1, Date: d(date), Start: tm(start), End: tm(end)}
}

func ids(shifts []Shift) []int64 {
	out := []int64{}
	for _, s := range shifts {
		out = append(out, s.ID)
	}
	return out
}

func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", name)
		}
	}()
	f()
}
