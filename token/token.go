// Package token issues and checks JSON Web Tokens as djangorestframework-
// simplejwt 5.4 makes them: HS256 over SECRET_KEY, claims token_type, exp,
// iat, jti (a uuid4 in hex) and user_id; access tokens live an hour and
// refresh tokens a week.
package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
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

// Claims are simplejwt's claims, in its order.
type Claims struct {
	TokenType string `json:"token_type"`
	Exp       int64  `json:"exp"`
	Iat       int64  `json:"iat"`
	JTI       string `json:"jti"`
	UserID    UserID `json:"user_id"`
}

// UserID decodes both a number (simplejwt 5.4) and a numeric string
// (later simplejwt versions) and encodes as a number.
type UserID int64

// UnmarshalJSON accepts 7 and "7".
func (u *UserID) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return errors.New("user_id is not a number")
		}
		n = json.Number(s)
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		return errors.New("user_id is not an integer")
	}
	*u = UserID(v)
	return nil
}

// GetExpirationTime and the other getters make Claims a jwt.Claims.
func (c *Claims) GetExpirationTime() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.Exp, 0)), nil
}
func (c *Claims) GetIssuedAt() (*jwt.NumericDate, error)  { return nil, nil }
func (c *Claims) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }
func (c *Claims) GetIssuer() (string, error)              { return "", nil }
func (c *Claims) GetSubject() (string, error)             { return "", nil }
func (c *Claims) GetAudience() (jwt.ClaimStrings, error)  { return nil, nil }

// ExpiresAt is the exp claim as a time.
func (c *Claims) ExpiresAt() time.Time { return time.Unix(c.Exp, 0).UTC() }

// IssuedAt is the iat claim as a time.
func (c *Claims) IssuedAt() time.Time { return time.Unix(c.Iat, 0).UTC() }

// Errors of Parse. The api renders them as simplejwt does.
var (
	ErrInvalid   = errors.New("Token is invalid or expired")
	ErrWrongType = errors.New("Token has wrong type")
)

// Signer issues and verifies tokens with one key.
type Signer struct {
	key    []byte
	parser *jwt.Parser
}

// NewSigner returns a Signer for SECRET_KEY.
func NewSigner(secretKey string) *Signer {
	return &Signer{
		key: []byte(secretKey),
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{"HS256"}),
			jwt.WithExpirationRequired(),
			jwt.WithLeeway(0),
		),
	}
}

// Pair is a refresh token and the access token made from it.
type Pair struct {
	Refresh, Access             string
	RefreshClaims, AccessClaims Claims
}

// IssuePair makes a refresh token and its access token for a user at now.
func (s *Signer) IssuePair(userID int64, now time.Time) (Pair, error) {
	r := newClaims(Refresh, userID, now, RefreshLifetime)
	rs, err := s.sign(r)
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
	str, err := s.sign(a)
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

func (s *Signer) sign(c Claims) (string, error) {
	str, err := jwt.NewWithClaims(jwt.SigningMethodHS256, &c).SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return str, nil
}

// Parse checks a token's signature, expiry and type. It returns ErrInvalid
// or ErrWrongType.
func (s *Signer) Parse(raw, wantType string) (Claims, error) {
	var c Claims
	if len(raw) > 4096 {
		return c, ErrInvalid
	}
	_, err := s.parser.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return s.key, nil })
	if err != nil {
		return Claims{}, ErrInvalid
	}
	if c.JTI == "" {
		return Claims{}, ErrInvalid
	}
	if c.TokenType != wantType {
		return Claims{}, ErrWrongType
	}
	return c, nil
}
