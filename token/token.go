// Package token issues and checks JSON Web Tokens as djangorestframework-
// simplejwt 5.4 makes them: HS256 over SECRET_KEY, claims token_type, exp,
// iat, jti (a uuid4 in hex) and user_id; access tokens live an hour and
// refresh tokens a week.
//
// Parse checks what PyJWT and simplejwt check, in their order, and fails
// with simplejwt's own words (ErrInvalid, ErrNoExp, ErrNoID, ErrNoType,
// ErrWrongType, then ErrNoUserID), so the API can render simplejwt's bodies.
// It is on every authenticated request's path, so it is written by hand
// over the standard library: one HMAC from a pool, one small JSON decode.
package token

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Token types, as the token_type claim names them.
const (
	Access  = "access"
	Refresh = "refresh"
)

// Lifetimes of the seed's SIMPLE_JWT settings.
const (
	AccessLifetime  = time.Hour
	RefreshLifetime = 7 * 24 * time.Hour
)

// MaxLen bounds the tokens Parse looks at; ours are about 230 bytes.
const MaxLen = 4096

// IssuedAtLeeway is how far in the future an iat may be. PyJWT refuses a
// token whose iat is in the future; pasched may date a token up to one
// second ahead (see accounts: tokens issued in the second of a password
// reset), so it allows that second.
const IssuedAtLeeway = time.Second

// Claims are simplejwt's claims, in its order.
type Claims struct {
	TokenType string `json:"token_type"`
	Exp       int64  `json:"exp"`
	Iat       int64  `json:"iat"`
	JTI       string `json:"jti"`
	UserID    UserID `json:"user_id"`
}

// UserID is the user_id claim. A token whose user_id is not an integer
// (nor a string of one) parses with UserID 0, which names no user, as
// simplejwt's lookup of such a value finds none.
type UserID int64

// ExpiresAt is the exp claim as a time.
func (c *Claims) ExpiresAt() time.Time { return time.Unix(c.Exp, 0).UTC() }

// IssuedAt is the iat claim as a time.
func (c *Claims) IssuedAt() time.Time { return time.Unix(c.Iat, 0).UTC() }

// Errors of Parse, worded as simplejwt words them (the api puts the text in
// its response bodies).
var (
	ErrInvalid   = errors.New("Token is invalid or expired")
	ErrNoExp     = errors.New("Token has no 'exp' claim")
	ErrNoID      = errors.New("Token has no id")
	ErrNoType    = errors.New("Token has no type")
	ErrWrongType = errors.New("Token has wrong type")
	// ErrNoUserID is JWTAuthentication.get_user's failure: a valid token
	// without a user_id claim.
	ErrNoUserID = errors.New("Token contained no recognizable user identification")
)

// Signer issues and verifies tokens with one key.
type Signer struct {
	key  []byte
	macs sync.Pool
	// Now is the clock Parse checks exp, iat and nbf against; tests may set it.
	Now func() time.Time
}

// NewSigner returns a Signer for SECRET_KEY.
func NewSigner(secretKey string) *Signer {
	s := &Signer{key: []byte(secretKey), Now: time.Now}
	s.macs.New = func() any { return &scratch{mac: hmac.New(sha256.New, s.key)} }
	return s
}

// Pair is a refresh token and the access token made from it.
type Pair struct {
	Refresh, Access             string
	RefreshClaims, AccessClaims Claims
}

// IssuePair makes a refresh token and its access token for a user at now.
func (s *Signer) IssuePair(userID int64, now time.Time) (Pair, error) {
	r := newClaims(Refresh, userID, now, RefreshLifetime)
	rs, err := s.Sign(r)
	if err != nil {
		return Pair{}, err
	}
	a, as, err := s.AccessFor(r, now)
	if err != nil {
		return Pair{}, err
	}
	return Pair{Refresh: rs, Access: as, RefreshClaims: r, AccessClaims: a}, nil
}

// AccessFor makes a new access token from refresh claims (simplejwt's
// RefreshToken.access_token: same user, new jti, iat and exp).
func (s *Signer) AccessFor(refresh Claims, now time.Time) (Claims, string, error) {
	a := newClaims(Access, int64(refresh.UserID), now, AccessLifetime)
	str, err := s.Sign(a)
	return a, str, err
}

func newClaims(typ string, userID int64, now time.Time, life time.Duration) Claims {
	return Claims{
		TokenType: typ,
		Exp:       now.Add(life).Unix(),
		Iat:       now.Unix(),
		JTI:       hexUUID(),
		UserID:    UserID(userID),
	}
}

func hexUUID() string {
	u := uuid.New()
	const hexdigits = "0123456789abcdef"
	var b [32]byte
	for i, c := range u {
		b[2*i] = hexdigits[c>>4]
		b[2*i+1] = hexdigits[c&15]
	}
	return string(b[:])
}

// scratch is an HMAC and buffers, pooled so that Parse does not allocate
// them for every request.
type scratch struct {
	mac     hash.Hash
	signed  []byte
	payload []byte
	sig     []byte
	sum     [sha256.Size]byte
}

// header is PyJWT's {"alg":"HS256","typ":"JWT"}, encoded.
const header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"

var b64 = base64.RawURLEncoding

// Sign encodes claims as a token, with simplejwt's claim order.
func (s *Signer) Sign(c Claims) (string, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s.SignPayload(payload), nil
}

// SignPayload signs an arbitrary JSON payload (tests use it to make tokens
// simplejwt would refuse).
func (s *Signer) SignPayload(payload []byte) string {
	buf := make([]byte, 0, len(header)+1+b64.EncodedLen(len(payload))+1+b64.EncodedLen(sha256.Size))
	buf = append(buf, header...)
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, payload)
	sc := s.macs.Get().(*scratch)
	sc.mac.Reset()
	sc.mac.Write(buf)
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, sc.mac.Sum(sc.sum[:0]))
	s.macs.Put(sc)
	return string(buf)
}

// rawClaims is the payload before its claims are interpreted; a nil field
// is an absent claim.
type rawClaims struct {
	TokenType json.RawMessage `json:"token_type"`
	Exp       json.RawMessage `json:"exp"`
	Iat       json.RawMessage `json:"iat"`
	Nbf       json.RawMessage `json:"nbf"`
	JTI       json.RawMessage `json:"jti"`
	UserID    json.RawMessage `json:"user_id"`
}

// Parse checks a token's signature, claims and type, in the order PyJWT
// and simplejwt do, and returns its claims or one of the errors above.
func (s *Signer) Parse(raw, wantType string) (Claims, error) {
	if len(raw) > MaxLen {
		return Claims{}, ErrInvalid
	}
	// Three segments: header.payload.signature.
	i := indexByte(raw, '.')
	if i < 0 {
		return Claims{}, ErrInvalid
	}
	j := indexByte(raw[i+1:], '.')
	if j < 0 {
		return Claims{}, ErrInvalid
	}
	j += i + 1
	if indexByte(raw[j+1:], '.') >= 0 {
		return Claims{}, ErrInvalid
	}
	if !s.checkHeader(raw[:i]) {
		return Claims{}, ErrInvalid
	}
	sc := s.macs.Get().(*scratch)
	defer s.macs.Put(sc)
	if !sc.verify(raw[:j], raw[j+1:]) {
		return Claims{}, ErrInvalid
	}
	payload, err := b64.AppendDecode(sc.payload[:0], append(sc.signed[:0], raw[i+1:j]...))
	if err != nil {
		return Claims{}, ErrInvalid
	}
	sc.payload = payload
	var rc rawClaims
	if !rc.parseFlat(payload) {
		slow := new(rawClaims)
		if len(payload) == 0 || payload[0] != '{' || json.Unmarshal(payload, slow) != nil {
			return Claims{}, ErrInvalid
		}
		rc = *slow
	}
	now := s.Now()
	nowUnix := float64(now.UnixNano()) / 1e9
	var c Claims
	// PyJWT: exp, iat and nbf must be numbers when present; exp in the
	// past, iat or nbf in the future fail.
	if rc.Exp != nil {
		exp, ok := number(rc.Exp)
		if !ok || exp <= nowUnix || exp > math.MaxInt64/2 {
			return Claims{}, ErrInvalid
		}
		c.Exp = int64(exp)
	}
	if rc.Iat != nil {
		iat, ok := number(rc.Iat)
		if !ok || iat > nowUnix+IssuedAtLeeway.Seconds() {
			return Claims{}, ErrInvalid
		}
		c.Iat = int64(iat)
	}
	if rc.Nbf != nil {
		nbf, ok := number(rc.Nbf)
		if !ok || nbf > nowUnix {
			return Claims{}, ErrInvalid
		}
	}
	// simplejwt: exp, jti and token_type must be present.
	if rc.Exp == nil {
		return Claims{}, ErrNoExp
	}
	if rc.JTI == nil {
		return Claims{}, ErrNoID
	}
	c.JTI = stringOrText(rc.JTI)
	if rc.TokenType == nil {
		return Claims{}, ErrNoType
	}
	if c.TokenType = stringOrText(rc.TokenType); c.TokenType != wantType || rc.TokenType[0] != '"' {
		return Claims{}, ErrWrongType
	}
	if rc.UserID == nil {
		return Claims{}, ErrNoUserID
	}
	c.UserID = userID(rc.UserID)
	return c, nil
}

// parseFlat reads the payloads this package writes — one flat object of
// ASCII strings without escapes, JSON numbers and literals, no white
// space — without reflection; it returns false (having set nothing that
// matters) for anything else, which encoding/json then reads.
func (rc *rawClaims) parseFlat(p []byte) bool {
	if len(p) < 2 || p[0] != '{' || p[len(p)-1] != '}' {
		return false
	}
	*rc = rawClaims{}
	i := 1
	if p[i] == '}' {
		return i == len(p)-1
	}
	for {
		key, next, ok := flatString(p, i)
		if !ok || next >= len(p) || p[next] != ':' {
			return false
		}
		i = next + 1
		start := i
		switch {
		case i < len(p) && p[i] == '"':
			_, next, ok = flatString(p, i)
		default:
			next, ok = flatScalar(p, i)
		}
		if !ok {
			return false
		}
		val := json.RawMessage(p[start:next])
		switch string(key) {
		case "token_type":
			rc.TokenType = val
		case "exp":
			rc.Exp = val
		case "iat":
			rc.Iat = val
		case "nbf":
			rc.Nbf = val
		case "jti":
			rc.JTI = val
		case "user_id":
			rc.UserID = val
		}
		i = next
		if i >= len(p) {
			return false
		}
		if p[i] == '}' {
			return i == len(p)-1
		}
		if p[i] != ',' {
			return false
		}
		i++
	}
}

// flatString reads a string of printable ASCII without escapes at p[i].
func flatString(p []byte, i int) ([]byte, int, bool) {
	if i >= len(p) || p[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(p); j++ {
		switch c := p[j]; {
		case c == '"':
			return p[i+1 : j], j + 1, true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// flatScalar reads a JSON number, true, false or null at p[i].
func flatScalar(p []byte, i int) (int, bool) {
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(p)-i >= len(lit) && string(p[i:i+len(lit)]) == lit {
			return i + len(lit), true
		}
	}
	j := i
	if j < len(p) && p[j] == '-' {
		j++
	}
	switch {
	case j < len(p) && p[j] == '0':
		j++
	case j < len(p) && p[j] >= '1' && p[j] <= '9':
		for j < len(p) && p[j] >= '0' && p[j] <= '9' {
			j++
		}
	default:
		return 0, false
	}
	if j < len(p) && p[j] == '.' {
		j++
		k := j
		for j < len(p) && p[j] >= '0' && p[j] <= '9' {
			j++
		}
		if j == k {
			return 0, false
		}
	}
	if j < len(p) && (p[j] == 'e' || p[j] == 'E') {
		j++
		if j < len(p) && (p[j] == '+' || p[j] == '-') {
			j++
		}
		k := j
		for j < len(p) && p[j] >= '0' && p[j] <= '9' {
			j++
		}
		if j == k {
			return 0, false
		}
	}
	return j, true
}

func indexByte(s string, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return -1
}

// checkHeader accepts our own header as is, and any other header that is a
// JSON object naming HS256 (PyJWT's check with algorithms=["HS256"]).
func (s *Signer) checkHeader(h string) bool {
	if h == header {
		return true
	}
	dec, err := b64.DecodeString(h)
	if err != nil {
		return false
	}
	var v struct {
		Alg *string `json:"alg"`
	}
	if len(dec) == 0 || dec[0] != '{' || json.Unmarshal(dec, &v) != nil {
		return false
	}
	return v.Alg != nil && *v.Alg == "HS256"
}

// verify checks that sig is the HMAC of signed.
func (sc *scratch) verify(signed, sig string) bool {
	if b64.DecodedLen(len(sig)) != sha256.Size {
		return false
	}
	sc.signed = append(sc.signed[:0], sig...)
	got, err := b64.AppendDecode(sc.sig[:0], sc.signed)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	sc.sig = got
	sc.signed = append(sc.signed[:0], signed...)
	sc.mac.Reset()
	sc.mac.Write(sc.signed)
	return hmac.Equal(sc.mac.Sum(sc.sum[:0]), got)
}

// number reads a JSON number claim (PyJWT's int() of it).
func number(v json.RawMessage) (float64, bool) {
	if len(v) == 0 || !(v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return math.Trunc(f), true
}

// stringOrText is a string claim's value, or the JSON text of another value.
func stringOrText(v json.RawMessage) string {
	if len(v) >= 2 && v[0] == '"' && bytes.IndexByte(v, '\\') < 0 && v[len(v)-1] == '"' {
		return string(v[1 : len(v)-1])
	}
	if len(v) > 0 && v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	return string(bytes.TrimSpace(v))
}

// userID reads user_id: an integer, an integral float or a string of an
// integer (later simplejwt versions write strings); anything else is 0.
func userID(v json.RawMessage) UserID {
	s := string(v)
	if s[0] == '"' {
		if json.Unmarshal(v, &s) != nil {
			return 0
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			return UserID(n)
		}
		return 0
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return UserID(n)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && f < 1<<53 && f == math.Trunc(f) {
		return UserID(f)
	}
	return 0
}
