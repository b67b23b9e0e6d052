package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"pasched"
	"pasched/internal/python"
)

// maxBody bounds every request body.
const maxBody = 1 << 20

// form is a decoded request body read field by field with Django REST
// Framework's semantics, collecting its messages in field order.
type form struct {
	m  map[string]json.RawMessage
	fe fieldErrors
	// partial is DRF's partial=True (PATCH): absent fields are not required.
	partial bool
}

// decodeForm reads a JSON object (or a urlencoded / multipart form) body as
// DRF's parsers do: an empty body is an empty object; a body of another
// media type is 415; malformed JSON is 400 with Python's json message;
// valid JSON that is not an object is refused as a serializer refuses it.
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
	if len(body) == 0 {
		return f, nil
	}
	ct := r.Header.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	switch mt {
	case "application/json":
		return f, f.decodeJSON(body)
	case "application/x-www-form-urlencoded":
		for k, v := range parseQuery(body) {
			f.m[k], _ = json.Marshal(v)
		}
		return f, nil
	case "multipart/form-data":
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.Header.Set("Content-Type", mime.FormatMediaType(mt, params))
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return nil, &pasched.Error{Code: pasched.EINVALID, Message: "Multipart form parse error - " + err.Error()}
		}
		for k, v := range r.MultipartForm.Value {
			f.m[k], _ = json.Marshal(strings.ToValidUTF8(v[len(v)-1], "\uFFFD"))
		}
		return f, nil
	}
	return nil, &pasched.Error{Code: pasched.EUNSUPPORTED, Message: `Unsupported media type "` + ct + `" in request.`}
}

// decodeJSON is DRF's JSONParser over Python's json module, then a
// serializer's check that the data is a dictionary.
func (f *form) decodeJSON(body []byte) error {
	n, msg := pyUTF8Check(body)
	if msg != "" {
		return jsonParseError(msg)
	}
	// Python's stream decoder drops a sequence cut short by the end of the body.
	body = body[:n]
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		if err := json.Unmarshal(body, &f.m); err == nil {
			return nil
		}
	} else {
		var v any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&v); err == nil {
			if _, err := dec.Token(); err == io.EOF {
				var fe fieldErrors
				if v == nil {
					fe.Add(nonFieldErrors, "No data provided")
				} else {
					fe.Add(nonFieldErrors, fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", pyTypeName(v)))
				}
				return fe.Err()
			}
		}
	}
	msg = pyJSONError(string(body))
	if msg == "" {
		// Go refused what Python accepts: only nesting deeper than Go's limit.
		msg = "maximum recursion depth exceeded while decoding a JSON object from a unicode string"
	}
	return jsonParseError(msg)
}

func jsonParseError(msg string) error {
	return &pasched.Error{Code: pasched.EINVALID, Message: "JSON parse error - " + msg}
}

// parseQuery is Django's QueryDict over a urlencoded body: '&'-separated
// pairs, '+' as space, malformed escapes kept as they are, invalid UTF-8
// replaced, the last value of a repeated key winning.
func parseQuery(body []byte) map[string]string {
	out := map[string]string{}
	for _, pair := range strings.Split(string(body), "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		out[unquotePlus(k)] = unquotePlus(v)
	}
	return out
}

func unquotePlus(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b = append(b, byte(n))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
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
	// invalid replaces "Not a valid string." for a value of the wrong type
	// (EmailField says "Enter a valid email address.").
	invalid string
	// validators are the field's own validators (a model field's, or a
	// serializer's validators=[...]): DRF runs them before the CharField's
	// MaxLength, null-character and surrogate checks.
	validators []func(string) []string
	// after run after those checks (EmailField's EmailValidator).
	after []func(string) []string
}

// nonNull is raw for a field that may not be null: a null gets DRF's
// "may not be null" and ok false.
func (f *form) nonNull(name string, required bool) (json.RawMessage, bool) {
	v, ok := f.raw(name, required)
	if ok && isNull(v) {
		f.fe.Add(name, msgNull)
		return nil, false
	}
	return v, ok
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

// str reads a CharField as DRF does: required, then blank, then null, then
// the type; then every validator, collecting all their messages. It
// returns nil when the field is absent or invalid.
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
		msg := "Not a valid string."
		if o.invalid != "" {
			msg = o.invalid
		}
		f.fe.Add(name, msg)
		return nil
	}
	if !o.noTrim {
		s = python.Strip(s)
	}
	if s == "" {
		if !o.allowBlank {
			f.fe.Add(name, "This field may not be blank.")
			return nil
		}
		return &s
	}
	var msgs []string
	for _, fn := range o.validators {
		msgs = append(msgs, fn(s)...)
	}
	if o.maxLen > 0 && utf8.RuneCountInString(s) > o.maxLen {
		msgs = append(msgs, fmt.Sprintf("Ensure this field has no more than %d characters.", o.maxLen))
	}
	if strings.IndexByte(s, 0) >= 0 {
		msgs = append(msgs, "Null characters are not allowed.")
	}
	if r, ok := loneSurrogate(v); ok {
		msgs = append(msgs, fmt.Sprintf("Surrogate characters are not allowed: U+%X.", r))
	}
	for _, fn := range o.after {
		msgs = append(msgs, fn(s)...)
	}
	if len(msgs) > 0 {
		for _, m := range msgs {
			f.fe.Add(name, m)
		}
		return nil
	}
	return &s
}

// pyNumberString is Python's str() of a JSON number: integers as written
// (but "-0" is 0), floats in repr's shortest form ("1.0", "1e+16", "inf").
func pyNumberString(n string) string {
	if !strings.ContainsAny(n, ".eE") {
		if strings.Trim(n, "-0") == "" {
			return "0"
		}
		return n
	}
	fl, err := strconv.ParseFloat(n, 64)
	switch {
	case math.IsInf(fl, 1):
		return "inf"
	case math.IsInf(fl, -1):
		return "-inf"
	case err != nil:
		return n
	}
	if a := math.Abs(fl); a != 0 && (a < 1e-4 || a >= 1e16) {
		return strconv.FormatFloat(fl, 'e', -1, 64)
	}
	s := strconv.FormatFloat(fl, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// loneSurrogate finds the first \uD800–\uDFFF escape of a JSON string that
// is not half of a pair: Python keeps it as a character (which DRF's
// ProhibitSurrogateCharactersValidator refuses); Go's decoder turned it
// into U+FFFD.
func loneSurrogate(v json.RawMessage) (rune, bool) {
	if len(v) == 0 || v[0] != '"' || bytes.IndexByte(v, '\\') < 0 {
		return 0, false
	}
	for i := 1; i < len(v); i++ {
		if v[i] != '\\' {
			continue
		}
		if i+1 < len(v) && v[i+1] != 'u' {
			i++ // a two-character escape
			continue
		}
		r, ok := hex4(v, i+2)
		if !ok {
			return 0, false
		}
		switch {
		case r >= 0xD800 && r <= 0xDBFF:
			if i+11 < len(v) && v[i+6] == '\\' && v[i+7] == 'u' {
				if r2, ok := hex4(v, i+8); ok && r2 >= 0xDC00 && r2 <= 0xDFFF {
					i += 11
					continue
				}
			}
			return r, true
		case r >= 0xDC00 && r <= 0xDFFF:
			return r, true
		}
		i += 5
	}
	return 0, false
}

func hex4(v []byte, at int) (rune, bool) {
	if at+4 > len(v) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(v[at:at+4]), 16, 32)
	return rune(n), err == nil
}

// Django's EmailValidator (5.2): a dot-atom or quoted-string user part;
// a domain of labels whose last is letters or punycode, "localhost", or an
// address literal. Letters include everything from U+00A1 to U+FFFF, as
// Django's pattern says.
var (
	emailUserRe    = regexp.MustCompile("(?i)^(?:[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(?:\\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*|\"(?:[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f!#-\\[\\]-\\x7f]|\\\\[\\x01-\\x09\\x0b\\x0c\\x0e-\\x7f])*\")$")
	emailLiteralRe = regexp.MustCompile(`(?i)^\[([A-F0-9:.]+)\]$`)
)

// validEmail is Django's EmailValidator.
func validEmail(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 320 {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return false
	}
	user, domain := s[:at], s[at+1:]
	if !emailUserRe.MatchString(user) {
		return false
	}
	if domain == "localhost" {
		return true
	}
	if validDomain(domain) {
		return true
	}
	if m := emailLiteralRe.FindStringSubmatch(domain); m != nil {
		a, err := netip.ParseAddr(m[1])
		return err == nil && a.Zone() == ""
	}
	return false
}

// validDomain is Django's hostname_re + domain_re + tld_no_fqdn_re.
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for i, l := range labels {
		n := utf8.RuneCountInString(l)
		if n == 0 || n > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		last := i == len(labels)-1
		if last && (n < 2 && !strings.HasPrefix(strings.ToLower(l), "xn--")) {
			return false
		}
		if last && strings.HasPrefix(strings.ToLower(l), "xn--") && n >= 5 && n <= 63 && isASCIIAlnum(l[4:]) {
			continue
		}
		for _, r := range l {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= 0xA1 && r <= 0xFFFF, r == '-':
			case r >= '0' && r <= '9' && !last:
			default:
				return false
			}
		}
	}
	return true
}

func isASCIIAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(c >= 'a' && c <= 'z' || s[i] >= '0' && s[i] <= '9') {
			return false
		}
	}
	return true
}

func emailValidator(s string) []string {
	if validEmail(s) {
		return nil
	}
	return []string{"Enter a valid email address."}
}

// email reads a model EmailField (254 characters at most), as a
// ModelSerializer makes it.
func (f *form) email(name string, required bool) *string {
	return f.str(name, strOpts{required: required, maxLen: 254, invalid: "Enter a valid email address.",
		after: []func(string) []string{emailValidator}})
}

// plainEmail reads a serializers.EmailField() declared without max_length
// (the login and reset serializers').
func (f *form) plainEmail(name string) *string {
	return f.str(name, strOpts{required: true, invalid: "Enter a valid email address.",
		after: []func(string) []string{emailValidator}})
}

// uuid reads a UUIDField and returns its canonical text. As DRF does, a
// string goes through Python's uuid.UUID(hex=…) and an integer through
// uuid.UUID(int=…); nothing is trimmed.
func (f *form) uuid(name string) *string {
	v, ok := f.nonNull(name, true)
	if !ok {
		return nil
	}
	var c string
	switch {
	case v[0] == '"':
		var s string
		if json.Unmarshal(v, &s) == nil {
			c, ok = pyUUIDHex(s)
		}
	case string(v) == "true":
		c, ok = uuidFromInt("1")
	case string(v) == "false":
		c, ok = uuidFromInt("0")
	default:
		c, ok = uuidFromInt(string(v))
	}
	if !ok {
		f.fe.Add(name, "Must be a valid UUID.")
		return nil
	}
	return &c
}

// pyUUIDHex is uuid.UUID(hex=s): "urn:" and "uuid:" removed anywhere,
// braces stripped from both ends, hyphens removed, then exactly 32
// characters read as int(…, 16).
func pyUUIDHex(s string) (string, bool) {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "urn:", ""), "uuid:", "")
	s = strings.Trim(s, "{}")
	s = strings.ReplaceAll(s, "-", "")
	if utf8.RuneCountInString(s) != 32 {
		return "", false
	}
	return pyInt128(s, 16)
}

// uuidFromInt is uuid.UUID(int=n) of a JSON integer.
func uuidFromInt(n string) (string, bool) {
	if strings.ContainsAny(n, ".eE") {
		return "", false
	}
	return pyInt128(n, 10)
}

// pyInt128 is Python's int(s, base) for 0 ≤ value < 2¹²⁸ (python.Int),
// formatted as a UUID.
func pyInt128(s string, base int) (string, bool) {
	n, ok := python.Int(s, base)
	if !ok || n.Sign() < 0 || n.BitLen() > 128 {
		return "", false
	}
	var u uuid.UUID
	n.FillBytes(u[:])
	return u.String(), true
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

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func jsonUnmarshalString(v json.RawMessage, s *string) error { return json.Unmarshal(v, s) }
