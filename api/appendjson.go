package api

import (
	"encoding"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"sync"

	"pasched/internal/jsonenc"
)

// The calendar views and the shift list's envelope are not written by
// encoding/json but appended by a jsonAppender, which writes the same
// bytes from the same struct tags (each shape is declared once, by its
// struct) and takes two short cuts encoding/json cannot:
//
//   - a calendar shift is copied from its JSON rendered once when its span
//     was loaded (calShift.raw), where encoding/json re-encodes it every
//     time it is listed (a month lists about 600);
//   - a rendered json.RawMessage (a page of the shift list's results) is
//     copied as is, where encoding/json re-scans it on every request.
//
// Measured with the benchmarks in encode_bench_test.go (go test -run '^$'
// -bench Handler -count 3 ./api/): the process's CPU time per request
// through the handler with its data cached, jsonAppender against
// encoding/json on the same value, in one run, on the shared 2-core
// development machine (2026-12-06, medians):
//
//	month view (620 shifts)       0.23 ms vs 0.57 ms   2.5×  BenchmarkMonthHandler
//	week view (140 shifts)        0.34 ms vs 2.06 ms   6.1×  BenchmarkWeekHandler
//	day view (20 shifts)          0.07 ms vs 0.14 ms   2.0×  BenchmarkDayHandler
//	                              (1.6× in a run under heavy load)
//	shift list page 1 (50 shifts) 0.05 ms vs 0.21 ms   4.0×  BenchmarkListHandler
//
// Deriving the appenders from the tags (rather than writing each field by
// hand, as before) costs about 5 µs of the month's 0.23 ms.
//
// The issue 8 rule keeps a hand-written encoder only where it is at
// least 1.5× faster on the endpoint; every other body goes through
// encoding/json (writeJSON). TestAppendJSONMatchesEncodingJSON and
// TestCalendarJSONMatchesEncodingJSON hold the two equal byte for byte.

// jsonAppender appends a *T as encoding/json would marshal it.
type jsonAppender[T any] struct{ f appendFunc }

// appendFunc appends v's JSON to b.
type appendFunc func(b []byte, v reflect.Value) []byte

// newJSONAppender derives T's appender from its type; it panics if T holds
// a kind the views do not use, so a new field of another kind fails at
// start (and in every test), never with a wrong body.
func newJSONAppender[T any]() jsonAppender[T] {
	return jsonAppender[T]{appenderFor(reflect.TypeFor[T]())}
}

func (a jsonAppender[T]) append(b []byte, v *T) []byte {
	return a.f(b, reflect.ValueOf(v).Elem())
}

// write writes v with status 200, as writeJSON does.
func (a jsonAppender[T]) write(w http.ResponseWriter, v *T) {
	bp := bodyBuffers.Get().(*[]byte)
	b := a.append((*bp)[:0], v)
	writeRaw(w, http.StatusOK, b)
	if cap(b) <= maxPooledBuffer {
		*bp = b
		bodyBuffers.Put(bp)
	}
}

// bodyBuffers recycles the output buffers of the appended bodies: a month
// (≈150 KB) is too big to allocate afresh on every request without the
// garbage collector showing in the profile.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// maxPooledBuffer keeps an unusually large body's buffer out of the pool.
const maxPooledBuffer = 4 << 20

// writeRaw writes an already encoded JSON body.
func writeRaw(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h["Content-Type"] = hdrJSON
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(status)
	w.Write(b)
}

// rawAppender is a type that appends its own JSON (hourly).
type rawAppender interface{ appendJSON(b []byte) []byte }

var (
	calShiftType      = reflect.TypeFor[*calShift]()
	numberType        = reflect.TypeFor[json.Number]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	rawAppenderType   = reflect.TypeFor[rawAppender]()
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// implements reports whether t or *t implements the interface it.
func implements(t, it reflect.Type) bool {
	return t.Implements(it) || reflect.PointerTo(t).Implements(it)
}

// appenderFor returns the appendFunc of t.
func appenderFor(t reflect.Type) appendFunc {
	switch {
	case t == calShiftType:
		return func(b []byte, v reflect.Value) []byte {
			if v.IsNil() {
				return append(b, "null"...)
			}
			return append(b, (*calShift)(v.UnsafePointer()).raw...)
		}
	case t == numberType:
		return func(b []byte, v reflect.Value) []byte {
			if v.Len() == 0 {
				return append(b, '0') // as encoding/json writes an empty Number
			}
			return append(b, v.String()...)
		}
	case t == rawMessageType:
		// Only ever what json.Marshal wrote (compact, HTML-escaped), which
		// encoding/json would copy unchanged.
		return func(b []byte, v reflect.Value) []byte {
			if v.IsNil() {
				return append(b, "null"...)
			}
			return append(b, v.Bytes()...)
		}
	case reflect.PointerTo(t).Implements(rawAppenderType):
		return func(b []byte, v reflect.Value) []byte {
			return v.Addr().Interface().(rawAppender).appendJSON(b)
		}
	}
	if implements(t, marshalerType) || implements(t, textMarshalerType) {
		// Its own encoding, which the appender would not see.
		panic(fmt.Sprintf("api: no JSON appender for %s (a marshaler)", t))
	}
	switch t.Kind() {
	case reflect.String:
		return func(b []byte, v reflect.Value) []byte { return jsonenc.AppendString(b, v.String()) }
	case reflect.Int, reflect.Int64:
		return func(b []byte, v reflect.Value) []byte { return strconv.AppendInt(b, v.Int(), 10) }
	case reflect.Bool:
		return func(b []byte, v reflect.Value) []byte { return strconv.AppendBool(b, v.Bool()) }
	case reflect.Pointer:
		elem := appenderFor(t.Elem())
		return func(b []byte, v reflect.Value) []byte {
			if v.IsNil() {
				return append(b, "null"...)
			}
			return elem(b, v.Elem())
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			break // encoding/json writes base64
		}
		elem := appenderFor(t.Elem())
		return func(b []byte, v reflect.Value) []byte {
			if v.IsNil() {
				return append(b, "null"...)
			}
			b = append(b, '[')
			for i := range v.Len() {
				if i > 0 {
					b = append(b, ',')
				}
				b = elem(b, v.Index(i))
			}
			return append(b, ']')
		}
	case reflect.Struct:
		return structAppender(t)
	}
	panic(fmt.Sprintf("api: no JSON appender for %s", t))
}

// structAppender appends t's exported fields in order under their json
// tags; it accepts only fields tagged with a plain name (no omitempty, no
// embedding), the subset where the rule is simply "every field, in order".
func structAppender(t reflect.Type) appendFunc {
	type field struct {
		index int
		key   []byte // `"name":`, after a comma but for the first field
		f     appendFunc
	}
	var fields []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, ok := sf.Tag.Lookup("json")
		if !ok || sf.Anonymous || name == "" || name == "-" || !plainKey(name) {
			panic(fmt.Sprintf("api: no JSON appender for %s.%s (tag %q)", t, sf.Name, name))
		}
		var key []byte
		if len(fields) > 0 {
			key = append(key, ',')
		}
		key = append(jsonenc.AppendString(key, name), ':')
		fields = append(fields, field{i, key, appenderFor(sf.Type)})
	}
	return func(b []byte, v reflect.Value) []byte {
		b = append(b, '{')
		for _, f := range fields {
			b = append(b, f.key...)
			b = f.f(b, v.Field(f.index))
		}
		return append(b, '}')
	}
}

// plainKey reports whether a json tag is a bare name (no ",option").
func plainKey(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] == ',' {
			return false
		}
	}
	return true
}
