// Package pasched holds the domain of the PA scheduling system: the types
// every layer shares, the service interfaces and the one error type.
//
// Dependencies point inward: api, jobs and sqlstore know this package; it
// knows none of them.
package pasched

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the api package.
const (
	EINVALID      = "invalid"      // the input is wrong (see Fields), or the action is refused by a rule
	ENOTFOUND     = "not_found"    // no such object, or not one the caller may see
	ECONFLICT     = "conflict"     // the action would break a rule about other data (double booking, overtime…)
	EUNAUTHORIZED = "unauthorized" // the caller is not signed in, or their credentials are refused
	EFORBIDDEN    = "forbidden"    // the caller may not do this
	ETHROTTLED    = "throttled"    // too many attempts
	EUNSUPPORTED  = "unsupported"  // input of a kind the front end does not read
	ETOOLARGE     = "too_large"    // input over the size limit
	EINTERNAL     = "internal"     // never shown in detail to a user
)

// NonField is the Fields key of messages about the input as a whole rather
// than one of its fields (the passwords do not match, the week goes over
// the limit). A front end shows them above its form.
const NonField = ""

// Error is the domain error: a code, and either a message about the action
// or, for EINVALID, the messages of each field that failed validation. The
// messages are the domain's words; front ends decide how to show them (the
// api as the seed's bodies, the web app beside the form's fields).
type Error struct {
	Code    string
	Message string
	// Fields maps a field of the use case's input (or NonField) to its
	// messages, in the order the checks found them.
	Fields map[string][]string
}

func (e *Error) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("pasched %s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("pasched %s: %v", e.Code, e.Fields)
}

// Errorf returns an Error with a code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err's *Error, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// FieldErrors collects validation messages per field.
type FieldErrors struct {
	m map[string][]string
}

// Add appends msg to field's messages.
func (fe *FieldErrors) Add(field, msg string) {
	if fe.m == nil {
		fe.m = map[string][]string{}
	}
	fe.m[field] = append(fe.m[field], msg)
}

// Has reports whether field already has an error.
func (fe *FieldErrors) Has(field string) bool { _, ok := fe.m[field]; return ok }

// Empty reports whether no error was added.
func (fe *FieldErrors) Empty() bool { return len(fe.m) == 0 }

// Err returns nil when empty, else an EINVALID *Error.
func (fe *FieldErrors) Err() error {
	if fe.Empty() {
		return nil
	}
	return &Error{Code: EINVALID, Fields: fe.m}
}

// Invalid returns an EINVALID error for one field (NonField for the whole
// input).
func Invalid(field, msg string) *Error {
	return &Error{Code: EINVALID, Fields: map[string][]string{field: {msg}}}
}
