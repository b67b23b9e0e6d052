package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"strconv"
	"strings"

	"pasched"
	"pasched/api/pyparse"
	"pasched/internal/python"
	"pasched/schedule"
)

// Messages of DRF's date, time, choice and related fields, and of the
// Django form fields that validate our query parameters.
const (
	msgDateFormat    = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
	msgTimeFormat    = "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."
	msgNull          = "This field may not be null."
	msgPKType        = "Incorrect type. Expected pk value, received %s."
	msgChoice        = "\"%s\" is not a valid choice."
	msgQueryChoice   = "Select a valid choice. %s is not one of the available choices."
	msgQueryInt      = "Enter a whole number."
	msgQueryDate     = "Enter a valid date."
	maxScheduleNotes = 5000
)

// schedDate reads a DRF DateField (ISO 8601 input, as DRF parses it).
func (f *form) schedDate(name string, required bool) *schedule.Date {
	return parsedString(f, name, required, msgDateFormat, pyparse.Date)
}

// schedTime reads a DRF TimeField.
func (f *form) schedTime(name string, required bool) *schedule.TimeOfDay {
	return parsedString(f, name, required, msgTimeFormat, pyparse.Time)
}

// parsedString reads a field that must be a string parse accepts; anything
// else (a number, a string parse refuses) gets badFormat, null DRF's null message.
func parsedString[T any](f *form, name string, required bool, badFormat string, parse func(string) (T, error)) *T {
	v, ok := f.nonNull(name, required)
	if !ok {
		return nil
	}
	var s string
	if v[0] != '"' || json.Unmarshal(v, &s) != nil {
		f.fe.Add(name, badFormat)
		return nil
	}
	x, err := parse(s)
	if err != nil {
		f.fe.Add(name, badFormat)
		return nil
	}
	return &x
}

// choice reads a DRF ChoiceField (no blank, no null).
func (f *form) choice(name string, required bool, valid func(string) bool) *string {
	v, ok := f.nonNull(name, required)
	if !ok {
		return nil
	}
	s := pyStr(v)
	if !valid(s) {
		f.fe.Add(name, fmt.Sprintf(msgChoice, s))
		return nil
	}
	return &s
}

// pyStr is Python's str() of a decoded JSON value, as DRF formats a value
// into its messages.
func pyStr(v json.RawMessage) string {
	switch v[0] {
	case '"':
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	case 't':
		return "True"
	case 'f':
		return "False"
	case 'n':
		return "None"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		n := string(v)
		if strings.ContainsAny(n, ".eE") {
			if fl, err := strconv.ParseFloat(n, 64); err == nil {
				return pyFloatRepr(fl)
			}
		}
		return n
	}
	return string(v)
}

// pyFloatRepr is Python's repr() of a float: the shortest digits, in fixed
// notation with a ".0" when the exponent is in -4..15, else "1e+16".
func pyFloatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	if exp >= -4 && exp < 16 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.ContainsAny(s, ".") {
			s += ".0"
		}
		return s
	}
	sign := "+"
	if exp < 0 {
		sign, exp = "-", -exp
	}
	return fmt.Sprintf("%se%s%02d", mant, sign, exp)
}

// pk reads a DRF PrimaryKeyRelatedField: it returns the id to look up and
// the value as the client wrote it (for the "Invalid pk" message), or nil
// with the seed's message for a value that cannot be a primary key. As in
// Django, an id is anything Python's int() accepts: 5, "5", " 5 ", "+5",
// "5_0", 5.7 (truncated).
func (f *form) pk(name string, required bool) (*int64, string) {
	v, ok := f.nonNull(name, required)
	if !ok {
		return nil, ""
	}
	var id int64
	switch v[0] {
	case '"':
		var s string
		if json.Unmarshal(v, &s) != nil {
			f.fe.Add(name, fmt.Sprintf(msgPKType, "str"))
			return nil, ""
		}
		if s == "" {
			// DRF's RelatedField reads "" as None.
			f.fe.Add(name, msgNull)
			return nil, ""
		}
		n, ok := python.Int(s, 10)
		if !ok {
			f.fe.Add(name, fmt.Sprintf(msgPKType, "str"))
			return nil, ""
		}
		return clampID(n), s
	case 't', 'f':
		f.fe.Add(name, fmt.Sprintf(msgPKType, "bool"))
		return nil, ""
	case '[':
		f.fe.Add(name, fmt.Sprintf(msgPKType, "list"))
		return nil, ""
	case '{':
		f.fe.Add(name, fmt.Sprintf(msgPKType, "dict"))
		return nil, ""
	}
	num := string(v)
	if strings.ContainsAny(num, ".eE") {
		fl, err := strconv.ParseFloat(num, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			f.fe.Add(name, fmt.Sprintf(msgPKType, "float"))
			return nil, ""
		}
		switch t := math.Trunc(fl); {
		case t >= math.MaxInt64, t <= math.MinInt64:
			id = -1 // no row has it
		default:
			id = int64(t)
		}
		return &id, pyFloatRepr(fl)
	}
	n, ok := new(big.Int).SetString(num, 10)
	if !ok {
		f.fe.Add(name, fmt.Sprintf(msgPKType, "int"))
		return nil, ""
	}
	return clampID(n), num
}

// clampID maps an integer outside int64 to an id no row has.
func clampID(n *big.Int) *int64 {
	id := int64(-1)
	if n.IsInt64() {
		id = n.Int64()
	}
	return &id
}

// pathID reads a detail route's {id} as Django does: the router's
// [^/.]+ segment, then int() of it; ok is false when no object can match
// (DRF's plain "Not found.").
func pathID(r *http.Request) (int64, bool) {
	raw := r.PathValue("id")
	if raw == "" || strings.ContainsAny(raw, "./") {
		return 0, false
	}
	n, ok := python.Int(raw, 10)
	if !ok {
		return 0, false
	}
	return *clampID(n), true
}

// requireID is pathID for a view on /…/{id}/: when the id isn't one it
// writes DRF's 404 and ok is false.
func requireID(w http.ResponseWriter, r *http.Request) (id int64, ok bool) {
	id, ok = pathID(r)
	if !ok {
		writeError(w, r, errNotFound)
	}
	return id, ok
}

// findByID is the start of a view on /…/{id}/ that shows the object find
// loads for the signed-in user: the id (404 when it isn't one), then find,
// whose error is written. ok is false when the answer has been written.
func findByID[T any](w http.ResponseWriter, r *http.Request, find func(context.Context, *pasched.User, int64) (T, error)) (v T, ok bool) {
	id, ok := requireID(w, r)
	if !ok {
		return v, false
	}
	v, err := find(r.Context(), userFrom(r), id)
	if err != nil {
		writeError(w, r, err)
		return v, false
	}
	return v, true
}
