package api

import (
	"encoding/json"
	"errors"
	"slices"

	"pasched"
	"pasched/scheduling"
)

// This file turns the use cases' errors into DRF's bodies. The use cases
// answer in the domain's words: a code, a message, and for invalid input
// field → messages (pasched.Error). What DRF adds is worded here: the
// order of the fields (a serializer's declaration order), the
// "non_field_errors" key, the {"error": …} bodies of the seed's own view
// code, and hints that name the JSON API's fields.

// nonFieldErrors is DRF's key for errors about the whole input.
const nonFieldErrors = "non_field_errors"

// fieldErrors is a DRF ValidationError's detail being built: field →
// messages, fields in the order DRF reports them.
type fieldErrors struct {
	order []string
	m     map[string][]string
}

// Add appends msg to field's messages.
func (fe *fieldErrors) Add(field, msg string) {
	if fe.m == nil {
		fe.m = map[string][]string{}
	}
	if _, ok := fe.m[field]; !ok {
		fe.order = append(fe.order, field)
	}
	fe.m[field] = append(fe.m[field], msg)
}

// Has reports whether field already has an error.
func (fe *fieldErrors) Has(field string) bool { _, ok := fe.m[field]; return ok }

// Empty reports whether no error was added.
func (fe *fieldErrors) Empty() bool { return len(fe.m) == 0 }

// Err returns nil when empty, else the 400 that renders fe.
func (fe *fieldErrors) Err() error {
	if fe.Empty() {
		return nil
	}
	return &validationError{*fe}
}

// validationError is a 400 with field errors, rendered in its order.
type validationError struct{ fieldErrors }

func (e *validationError) Error() string {
	b, _ := e.MarshalJSON()
	return "validation error: " + string(b)
}

// MarshalJSON writes the fields in order: {"field": ["msg", …], …}.
func (e *validationError) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, k := range e.order {
		if i > 0 {
			b = append(b, ',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(e.m[k])
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, kb...), ':'), vb...)
	}
	return append(b, '}'), nil
}

// viewError is the seed's own {"error": msg} body, which its views return
// themselves instead of raising a DRF exception ({"detail": msg}).
type viewError struct {
	code string // a pasched code, for the status
	msg  string
}

func (e *viewError) Error() string { return e.code + ": " + e.msg }

// errorBody is the body of a viewError.
type errorBody struct {
	Error string `json:"error"`
}

// asViewError returns err as the seed's {"error": …} body when it is a
// use-case refusal with a message (no field errors) whose code is one of
// codes — the refusals the seed's view words itself — else err unchanged.
func asViewError(err error, codes ...string) error {
	var e *pasched.Error
	if errors.As(err, &e) && len(e.Fields) == 0 && slices.Contains(codes, e.Code) {
		return &viewError{e.Code, withOvertimeHint(err, e.Message)}
	}
	return err
}

// overtimeHint tells an API client how to override the weekly limit.
const overtimeHint = " Send override_overtime: true to allow it."

// withOvertimeHint appends overtimeHint to msg when err is the weekly
// limit's refusal.
func withOvertimeHint(err error, msg string) string {
	var ot *scheduling.OvertimeError
	if errors.As(err, &ot) {
		return msg + overtimeHint
	}
	return msg
}

// drfFields is a serializer's 400: the errors decoding found (decoded, in
// the order found) and the use case's field errors of err merged, fields in
// the serializer's declaration order (fields; any other after them, in the
// order found, then by name), the whole-input messages under
// non_field_errors. Any other err is returned as it is; nil when there is
// no error at all.
func drfFields(decoded *fieldErrors, err error, fields ...string) error {
	var e *pasched.Error
	if err != nil && (!errors.As(err, &e) || len(e.Fields) == 0) {
		return err
	}
	var all fieldErrors
	if decoded != nil {
		for _, k := range decoded.order {
			for _, m := range decoded.m[k] {
				all.Add(k, m)
			}
		}
	}
	if e != nil {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			key := k
			if k == pasched.NonField {
				key = nonFieldErrors
			}
			for _, m := range e.Fields[k] {
				all.Add(key, withOvertimeHint(err, m))
			}
		}
	}
	if all.Empty() {
		return nil
	}
	rank := func(k string) int {
		if i := slices.Index(fields, k); i >= 0 {
			return i
		}
		return len(fields)
	}
	slices.SortStableFunc(all.order, func(a, b string) int { return rank(a) - rank(b) })
	return all.Err()
}

// replaceFieldMessage rewrites, in a 400 built by drfFields, field's
// message from (the use case's words) to to (DRF's).
func replaceFieldMessage(err error, field, from, to string) error {
	var e *validationError
	if errors.As(err, &e) {
		for i, m := range e.m[field] {
			if m == from {
				e.m[field][i] = to
			}
		}
	}
	return err
}

// newViewError returns the seed's {"error": msg} body with code's status.
func newViewError(code, msg string) error { return &viewError{code, msg} }
