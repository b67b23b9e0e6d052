// Package pasched holds the domain of the PA scheduling system: the types
// every layer shares, the service interfaces and the one error type.
//
// Dependencies point inward: api, jobs and sqlstore know this package; it
// knows none of them.
package pasched

import (
	"errors"
	"fmt"
	"sort"
)

// Error codes. Each maps to one HTTP status in the api package.
const (
	EINVALID      = "invalid"      // 400: the request is wrong (see Fields)
	ENOTFOUND     = "not_found"    // 404
	ECONFLICT     = "conflict"     // 400 with a body of its own (double booking, overtime…)
	EUNAUTHORIZED = "unauthorized" // 401
	EFORBIDDEN    = "forbidden"    // 403
	ETHROTTLED    = "throttled"    // 429
	EUNSUPPORTED  = "unsupported"  // 415: a body of a media type we do not parse
	ETOOLARGE     = "too_large"    // 413: a body over the limit
	EINTERNAL     = "internal"     // 500: never shown in detail to a client
)

// Error is the domain error. Fields carries field-level validation messages
// in the order they were found; Message is a whole-object message.
type Error struct {
	Code    string
	Message string
	// Fields maps a field name to its messages ("non_field_errors" for the
	// whole object). The api renders it as DRF does: {"field": ["msg"]}.
	Fields map[string][]string
	// Order keeps the field order of Fields for stable JSON.
	Order []string
	// Key, when set, names the JSON key of a view's own error body
	// (the seed's {"error": "..."}).
	Key string
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

// ViewError returns the seed's own {"error": msg} body with a status code.
func ViewError(code, msg string) *Error {
	return &Error{Code: code, Message: msg, Key: "error"}
}

// ErrorCode returns the code of err's *Error, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// FieldErrors collects validation messages per field, keeping the order
// in which fields first failed (DRF reports fields in declaration order).
type FieldErrors struct {
	m     map[string][]string
	order []string
}

// Add appends msg to field's messages.
func (fe *FieldErrors) Add(field, msg string) {
	if fe.m == nil {
		fe.m = map[string][]string{}
	}
	if _, ok := fe.m[field]; !ok {
		fe.order = append(fe.order, field)
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
	return &Error{Code: EINVALID, Fields: fe.m, Order: fe.order}
}

// Invalid returns an EINVALID error for one field.
func Invalid(field, msg string) *Error {
	var fe FieldErrors
	fe.Add(field, msg)
	return fe.Err().(*Error)
}

// SortedFields returns the field names of e in a stable order.
func (e *Error) SortedFields() []string {
	if len(e.Order) == len(e.Fields) {
		return e.Order
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
