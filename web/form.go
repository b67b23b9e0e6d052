package web

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"pasched"
)

// Form is a submitted form as a page shows it again: the values as typed
// and the messages per field, in the order the error summary lists them.
type Form struct {
	Values url.Values
	Errors map[string][]string
	// Order is the fields with errors, in the order they are shown.
	Order []string
	// Labels name fields for the error summary's links, when a message
	// does not name its field itself.
	Labels map[string]string
}

// Value is what was typed into name.
func (f *Form) Value(name string) string {
	if f == nil || f.Values == nil {
		return ""
	}
	return f.Values.Get(name)
}

// Has reports whether any value of name equals v (checkboxes, selects).
func (f *Form) Has(name, v string) bool {
	if f == nil || f.Values == nil {
		return false
	}
	for _, x := range f.Values[name] {
		if x == v {
			return true
		}
	}
	return false
}

// HasErrors reports whether the form failed.
func (f *Form) HasErrors() bool { return f != nil && len(f.Errors) > 0 }

// Add adds a message to field (nonField for the whole form).
func (f *Form) Add(field, msg string) {
	if f.Errors == nil {
		f.Errors = map[string][]string{}
	}
	if _, ok := f.Errors[field]; !ok {
		f.Order = append(f.Order, field)
	}
	f.Errors[field] = append(f.Errors[field], msg)
}

// nonField is where messages about the whole form go.
const nonField = "non_field_errors"

// SummaryItem is one line of the error summary: a message and, for a
// field's message, the id of the field it links to.
type SummaryItem struct{ Href, Message string }

// Summary lists every message, fields first in page order.
func (f *Form) Summary() []SummaryItem {
	var out []SummaryItem
	for _, name := range f.Order {
		for _, m := range f.Errors[name] {
			href := ""
			if name != nonField && name != "detail" {
				href = "#" + fieldID(name)
			}
			out = append(out, SummaryItem{Href: href, Message: m})
		}
	}
	return out
}

// fieldID is the HTML id of a form field.
func fieldID(name string) string { return "f-" + strings.ReplaceAll(name, "_", "-") }

// newForm reads the posted form (a bad body is an empty form).
func newForm(r *http.Request) *Form {
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	_ = r.ParseForm()
	return &Form{Values: r.PostForm}
}

// fieldMap renames the use cases' field names to the form's.
type fieldMap map[string]string

// addError puts a use case's error on the form: an EINVALID error's field
// messages beside their fields (renamed by fm, unknown fields as messages
// about the whole form), any other message about the whole form. It
// reports false for an error that is not the visitor's to fix (the caller
// answers 500).
func (f *Form) addError(err error, fm fieldMap) bool {
	var e *pasched.Error
	if !errors.As(err, &e) || e.Code == pasched.EINTERNAL {
		return false
	}
	if len(e.Fields) == 0 {
		f.Add(nonField, e.Message)
		return true
	}
	// The use case's fields come unordered; sortErrors puts them in page order.
	for _, name := range slices.Sorted(maps.Keys(e.Fields)) {
		to := name
		if m, ok := fm[name]; ok {
			to = m
		}
		if to == "" {
			to = nonField
		}
		for _, msg := range e.Fields[name] {
			f.Add(to, msg)
		}
	}
	return true
}

// sortErrors orders the failed fields as the form shows them.
func (f *Form) sortErrors(pageOrder ...string) {
	var out []string
	seen := map[string]bool{}
	if _, ok := f.Errors[nonField]; ok {
		out = append(out, nonField)
		seen[nonField] = true
	}
	for _, n := range pageOrder {
		if _, ok := f.Errors[n]; ok && !seen[n] {
			out = append(out, n)
			seen[n] = true
		}
	}
	for _, n := range f.Order {
		if !seen[n] {
			out = append(out, n)
			seen[n] = true
		}
	}
	f.Order = out
}

// Field is what the "field" partial renders: a labelled control with its
// hint and its error messages, tied together by aria-describedby.
type Field struct {
	Name, ID, Label, Type, Value, Hint, Autocomplete, InputMode string
	Errors                                                      []string
	Required                                                    bool
	// Options are a select's choices.
	Options []Option
}

// Option is one choice of a select.
type Option struct {
	Value, Label string
	Selected     bool
}

// DescribedBy is the ids of the hint and the error message.
func (f Field) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if len(f.Errors) > 0 {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// newField is the template function field: form, name, label, type and
// then optional "hint=…", "autocomplete=…", "required" settings.
func newField(f *Form, name, label, typ string, opts ...string) Field {
	fd := Field{Name: name, ID: fieldID(name), Label: label, Type: typ, Value: f.Value(name)}
	if f != nil {
		fd.Errors = f.Errors[name]
	}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "hint":
			fd.Hint = v
		case "autocomplete":
			fd.Autocomplete = v
		case "inputmode":
			fd.InputMode = v
		case "required":
			fd.Required = true
		case "value":
			if f == nil || f.Values == nil {
				fd.Value = v
			}
		}
	}
	if typ == "password" {
		fd.Value = "" // never sent back to the browser
	}
	return fd
}

func itoa(n int) string { return strconv.Itoa(n) }
