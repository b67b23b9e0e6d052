package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"pasched"
)

// maxBody bounds every request body.
const maxBody = 1 << 20

// form is a decoded request body read field by field with Django REST
// Framework's semantics, collecting its messages in field order.
type form struct {
	m  map[string]json.RawMessage
	fe pasched.FieldErrors
	// partial is DRF's partial=True (PATCH): absent fields are not required.
	partial bool
}

// decodeForm reads a JSON object (or a urlencoded / multipart form) body.
// An empty body is an empty object, as in DRF.
func decodeForm(w http.ResponseWriter, r *http.Request) (*form, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &pasched.Error{Code: pasched.ETOOLARGE, Message: "Request body is too large."}
		}
		return nil, &pasched.Error{Code: pasched.EINVALID, Message: "Could not read the request body."}
	}
	f := &form{m: map[string]json.RawMessage{}}
	ct := r.Header.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return f, nil
	case ct == "" || mt == "application/json" || strings.HasSuffix(mt, "+json"):
		if !utf8.Valid(body) {
			return nil, &pasched.Error{Code: pasched.EINVALID, Message: "JSON parse error - invalid UTF-8"}
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, &pasched.Error{Code: pasched.EINVALID, Message: "JSON parse error - " + err.Error()}
		}
		if dec.More() {
			return nil, &pasched.Error{Code: pasched.EINVALID, Message: "JSON parse error - Extra data"}
		}
		if _, ok := v.(map[string]any); !ok {
			return nil, pasched.Invalid("non_field_errors", fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", pyTypeName(v)))
		}
		if err := json.Unmarshal(body, &f.m); err != nil {
			return nil, &pasched.Error{Code: pasched.EINVALID, Message: "JSON parse error - " + err.Error()}
		}
		return f, nil
	case mt == "application/x-www-form-urlencoded":
		vals, err := url.ParseQuery(string(body))
		if err != nil || !utf8.Valid(body) {
			return nil, &pasched.Error{Code: pasched.EINVALID, Message: "Malformed form data."}
		}
		for k, v := range vals {
			f.m[k], _ = json.Marshal(v[len(v)-1])
		}
		return f, nil
	case mt == "multipart/form-data":
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.Header.Set("Content-Type", mime.FormatMediaType(mt, params))
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return nil, &pasched.Error{Code: pasched.EINVALID, Message: "Multipart form parse error - " + err.Error()}
		}
		for k, v := range r.MultipartForm.Value {
			f.m[k], _ = json.Marshal(v[len(v)-1])
		}
		return f, nil
	}
	return nil, &pasched.Error{Code: pasched.EUNSUPPORTED, Message: fmt.Sprintf("Unsupported media type %q in request.", ct)}
}

func pyTypeName(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case string:
		return "str"
	case json.Number:
		if strings.ContainsAny(v.(json.Number).String(), ".eE") {
			return "float"
		}
		return "int"
	case bool:
		return "bool"
	case nil:
		return "NoneType"
	}
	return "dict"
}

// strOpts are a CharField's options.
type strOpts struct {
	required   bool
	allowBlank bool
	allowNull  bool
	maxLen     int
	noTrim     bool
}

// raw returns the field's JSON and whether it is present; an absent
// required field gets "This field is required." (unless partial).
func (f *form) raw(name string, required bool) (json.RawMessage, bool) {
	v, ok := f.m[name]
	if !ok {
		if required && !f.partial {
			f.fe.Add(name, "This field is required.")
		}
		return nil, false
	}
	return v, true
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

// str reads a CharField. It returns nil when the field is absent or invalid.
func (f *form) str(name string, o strOpts) *string {
	v, ok := f.raw(name, o.required)
	if !ok {
		return nil
	}
	if isNull(v) {
		if o.allowNull {
			return nil
		}
		f.fe.Add(name, "This field may not be null.")
		return nil
	}
	var s string
	switch v[0] {
	case '"':
		if err := json.Unmarshal(v, &s); err != nil {
			f.fe.Add(name, "Not a valid string.")
			return nil
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		// DRF's CharField turns numbers into their str().
		s = pyNumberString(string(v))
	default:
		f.fe.Add(name, "Not a valid string.")
		return nil
	}
	if !o.noTrim {
		s = strings.TrimSpace(s)
	}
	if s == "" && !o.allowBlank {
		f.fe.Add(name, "This field may not be blank.")
		return nil
	}
	if o.maxLen > 0 && utf8.RuneCountInString(s) > o.maxLen {
		f.fe.Add(name, fmt.Sprintf("Ensure this field has no more than %d characters.", o.maxLen))
		return nil
	}
	if strings.ContainsRune(s, 0) {
		f.fe.Add(name, "Null characters are not allowed.")
		return nil
	}
	return &s
}

func pyNumberString(n string) string {
	if strings.ContainsAny(n, ".eE") {
		if fl, err := strconv.ParseFloat(n, 64); err == nil {
			s := strconv.FormatFloat(fl, 'f', -1, 64)
			if !strings.Contains(s, ".") {
				s += ".0"
			}
			return s
		}
	}
	return n
}

// emailRe approximates Django's EmailValidator (user part, domain part).
var (
	emailUserRe   = regexp.MustCompile("(?i)^[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*$")
	emailDomainRe = regexp.MustCompile(`(?i)^((?:[\pL\pN](?:[\pL\pN-]{0,61}[\pL\pN])?\.)+)(?:[\pL\pN-]{2,63})$`)
)

// validEmail is Django's EmailValidator, close enough for real addresses.
func validEmail(s string) bool {
	if len(s) > 320 {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return false
	}
	user, domain := s[:at], s[at+1:]
	if !emailUserRe.MatchString(user) {
		return false
	}
	if domain == "localhost" {
		return true
	}
	return emailDomainRe.MatchString(domain) && !strings.HasSuffix(domain, "-")
}

// email reads an EmailField.
func (f *form) email(name string, required bool) *string {
	s := f.str(name, strOpts{required: required, maxLen: 254})
	if s == nil {
		return nil
	}
	if !validEmail(*s) {
		f.fe.Add(name, "Enter a valid email address.")
		return nil
	}
	return s
}

// uuid reads a UUIDField and returns its canonical text.
func (f *form) uuid(name string) *string {
	v, ok := f.raw(name, true)
	if !ok {
		return nil
	}
	if isNull(v) {
		f.fe.Add(name, "This field may not be null.")
		return nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		f.fe.Add(name, "Must be a valid UUID.")
		return nil
	}
	u, err := uuid.Parse(strings.TrimSpace(s))
	if err != nil {
		f.fe.Add(name, "Must be a valid UUID.")
		return nil
	}
	c := u.String()
	return &c
}

// boolean reads a BooleanField as DRF parses it; absent → def.
func (f *form) boolean(name string, def bool) bool {
	v, ok := f.raw(name, false)
	if !ok {
		return def
	}
	if b, ok := parseDRFBool(v); ok {
		return b
	}
	if isNull(v) {
		f.fe.Add(name, "This field may not be null.")
	} else {
		f.fe.Add(name, "Must be a valid boolean.")
	}
	return def
}

// parseDRFBool is BooleanField.to_internal_value's TRUE_VALUES/FALSE_VALUES.
func parseDRFBool(v json.RawMessage) (bool, bool) {
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return false, false
	}
	switch t := x.(type) {
	case bool:
		return t, true
	case float64:
		switch t {
		case 1:
			return true, true
		case 0:
			return false, true
		}
	case string:
		switch t {
		case "t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1":
			return true, true
		case "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0":
			return false, true
		}
	}
	return false, false
}

// has reports whether the body carried the field.
func (f *form) has(name string) bool { _, ok := f.m[name]; return ok }

func jsonUnmarshalString(v json.RawMessage, s *string) error { return json.Unmarshal(v, s) }
