// Package token issues and checks JSON Web Tokens as djangorestframework-
// simplejwt 5.4 makes them: HS256 over SECRET_KEY, claims token_type, exp,
// iat, jti (a uuid4 in hex) and user_id; access tokens live an hour and
// refresh tokens a week.
//
// Signing, the token's structure, its header's algorithm and its signature
// are github.com/golang-jwt/jwt/v5's. The claims are checked here, as
// PyJWT and simplejwt check them and in their order, so that Parse fails
// with simplejwt's own words (ErrInvalid, ErrNoExp, ErrNoID, ErrNoType,
// ErrWrongType, then ErrNoUserID) and the API can render its bodies.
package token

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"pasched/internal/python"
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
	key []byte
	// keyFunc hands the library the key, converted to an interface once
	// rather than on every Parse.
	keyFunc jwt.Keyfunc
	parser  *jwt.Parser
	seen    memo
	// Now is the clock Parse checks exp, iat and nbf against; tests may set it.
	Now func() time.Time
}

// NewSigner returns a Signer for SECRET_KEY.
func NewSigner(secretKey string) *Signer {
	key := []byte(secretKey)
	var keyAny any = key
	return &Signer{key: key, keyFunc: func(*jwt.Token) (any, error) { return keyAny, nil }, Now: time.Now,
		// The library checks structure, header and signature; exp, iat
		// and nbf are checked by Parse, in PyJWT's way (iat has a leeway
		// that exp must not have).
		parser: jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithoutClaimsValidation())}
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
	u := uuid.New() // simplejwt's jti is uuid4().hex
	return Claims{
		TokenType: typ,
		Exp:       now.Add(life).Unix(),
		Iat:       now.Unix(),
		JTI:       hex.EncodeToString(u[:]),
		UserID:    UserID(userID),
	}
}

// Sign encodes claims as a token, with simplejwt's claim order and PyJWT's
// header ({"alg":"HS256","typ":"JWT"}), byte for byte as PyJWT makes it.
func (s *Signer) Sign(c Claims) (string, error) {
	str, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return str, nil
}

// header is PyJWT's {"alg":"HS256","typ":"JWT"}, encoded.
const header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"

// SignPayload signs an arbitrary JSON payload (tests use it to make tokens
// simplejwt would refuse).
func (s *Signer) SignPayload(payload []byte) string {
	signing := header + "." + base64.RawURLEncoding.EncodeToString(payload)
	sig, err := jwt.SigningMethodHS256.Sign(signing, s.key)
	if err != nil {
		panic(err) // only for a key that is not []byte
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// The jwt.Claims methods of Claims; Sign only marshals them, and the
// library's own validation is off (see NewSigner).
func (c Claims) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (c Claims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (c Claims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c Claims) GetIssuer() (string, error)                   { return "", nil }
func (c Claims) GetSubject() (string, error)                  { return "", nil }
func (c Claims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// payloadIsObject reports whether a well-formed token's payload starts
// with "{": PyJWT refuses any payload but an object, and the one other
// JSON value that decodes into rawClaims without an error is null. The
// payload's first byte is '{' (0x7b) exactly when its base64 starts with
// 'e' (0b011110) and a character worth 48 or more (0b11xxxx): 'w'–'z',
// '0'–'9', '-' or '_'.
func payloadIsObject(raw string) bool {
	i := strings.IndexByte(raw, '.')
	if i < 0 || len(raw) < i+3 || raw[i+1] != 'e' {
		return false
	}
	c := raw[i+2]
	return (c >= 'w' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
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

func (rc *rawClaims) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (rc *rawClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (rc *rawClaims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (rc *rawClaims) GetIssuer() (string, error)                   { return "", nil }
func (rc *rawClaims) GetSubject() (string, error)                  { return "", nil }
func (rc *rawClaims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// Parse checks a token's signature, claims and type, in the order PyJWT
// and simplejwt do, and returns its claims or one of the errors above.
func (s *Signer) Parse(raw, wantType string) (Claims, error) {
	if len(raw) > MaxLen {
		return Claims{}, ErrInvalid
	}
	nowUnix := float64(s.Now().UnixNano()) / 1e9
	if v, ok := s.seen.get(raw); ok && v.claims.TokenType == wantType && v.valid(nowUnix) {
		return v.claims, nil
	}
	v, err := s.parse(raw, wantType, nowUnix)
	if err != nil {
		return Claims{}, err
	}
	s.seen.put(raw, v)
	return v.claims, nil
}

// parse is Parse through the library, without the memo.
func (s *Signer) parse(raw, wantType string, nowUnix float64) (verified, error) {
	var rc rawClaims
	if _, err := s.parser.ParseWithClaims(raw, &rc, s.keyFunc); err != nil || !payloadIsObject(raw) {
		return verified{}, ErrInvalid
	}
	var v verified
	c := &v.claims
	// PyJWT: exp, iat and nbf must be numbers when present; exp in the
	// past, iat or nbf in the future fail.
	if rc.Exp != nil {
		exp, ok := number(rc.Exp)
		if !ok || exp <= nowUnix || exp > math.MaxInt64/2 {
			return verified{}, ErrInvalid
		}
		c.Exp, v.exp = int64(exp), exp
	}
	v.iat, v.nbf = math.Inf(-1), math.Inf(-1)
	if rc.Iat != nil {
		iat, ok := number(rc.Iat)
		if !ok || iat > nowUnix+IssuedAtLeeway.Seconds() {
			return verified{}, ErrInvalid
		}
		c.Iat, v.iat = int64(iat), iat
	}
	if rc.Nbf != nil {
		nbf, ok := number(rc.Nbf)
		if !ok || nbf > nowUnix {
			return verified{}, ErrInvalid
		}
		v.nbf = nbf
	}
	// simplejwt: exp, jti and token_type must be present.
	if rc.Exp == nil {
		return verified{}, ErrNoExp
	}
	if rc.JTI == nil {
		return verified{}, ErrNoID
	}
	c.JTI = stringOrText(rc.JTI)
	if rc.TokenType == nil {
		return verified{}, ErrNoType
	}
	if c.TokenType = stringOrText(rc.TokenType); c.TokenType != wantType || rc.TokenType[0] != '"' {
		return verified{}, ErrWrongType
	}
	if rc.UserID == nil {
		return verified{}, ErrNoUserID
	}
	c.UserID = userID(rc.UserID)
	return v, nil
}

// verified is a token that passed parse: its claims and the times that
// decide whether it still would.
type verified struct {
	claims        Claims
	exp, iat, nbf float64 // iat and nbf -Inf when absent
}

// valid repeats parse's time checks at nowUnix.
func (v verified) valid(nowUnix float64) bool {
	return v.exp > nowUnix && v.iat <= nowUnix+IssuedAtLeeway.Seconds() && v.nbf <= nowUnix
}

// memoSize bounds the memo: about 400 bytes an entry, so at most ~1.6 MB.
const memoSize = 4096

// memo remembers tokens that passed parse, by their exact text. It is a
// measured fast path: through golang-jwt a parse costs 41 allocations and
// ~5 µs of CPU (header and claims through encoding/json, a new HMAC each
// time) against ~1 µs and 3 allocations for the hand-written parser it
// replaced, which cost /me about a quarter of its throughput in
// BenchmarkMe (see the README's performance table). The same access token
// comes back on every request of a session, so a hit skips the signature
// and JSON and repeats only the time checks; a token's text is signed, so
// equal text means equal claims. Revocation is not the memo's business:
// accounts checks it after Parse on every request.
type memo struct {
	mu sync.RWMutex
	m  map[string]verified
}

func (m *memo) get(raw string) (verified, bool) {
	m.mu.RLock()
	v, ok := m.m[raw]
	m.mu.RUnlock()
	return v, ok
}

func (m *memo) put(raw string, v verified) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = make(map[string]verified)
	}
	if len(m.m) >= memoSize {
		for k := range m.m { // drop one entry, any
			delete(m.m, k)
			break
		}
	}
	m.m[raw] = v
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

// userID reads user_id: an integer, an integral float or a string Python's
// int() reads (later simplejwt versions write strings, and Django's lookup
// by id runs int() over them); anything else is 0.
func userID(v json.RawMessage) UserID {
	s := string(v)
	if s[0] == '"' {
		if json.Unmarshal(v, &s) != nil {
			return 0
		}
		if n, ok := python.Int(s, 10); ok && n.IsInt64() && n.Sign() > 0 {
			return UserID(n.Int64())
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
