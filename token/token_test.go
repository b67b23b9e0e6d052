package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// fixed is the clock of these tests.
var fixed = time.Unix(2000000000, 0).UTC()

func newTestSigner(key string, now time.Time) *Signer {
	s := NewSigner(key)
	s.Now = func() time.Time { return now }
	return s
}

// Tokens made by PyJWT 2.6 (simplejwt's backend) with the key
// "compat-secret": the access and refresh token of user 42 issued at
// 2000000000.
const (
	pyAccess  = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoyMDAwMDAzNjAwLCJpYXQiOjIwMDAwMDAwMDAsImp0aSI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIiwidXNlcl9pZCI6NDJ9.Yqil2pWylUu62AgNpM8hRzpb7VW6bzJvu1_E6C7iqzQ"
	pyRefresh = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MjAwMDYwNDgwMCwiaWF0IjoyMDAwMDAwMDAwLCJqdGkiOiIwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZiIsInVzZXJfaWQiOjQyfQ.D24dZER10Xpl0y5WfodhoDJxXVYF-yIfb9NNHA9jpk4"
)

// TestSimplejwtCompatible: our tokens are byte for byte what PyJWT makes
// of the same claims, and PyJWT's tokens parse.
func TestSimplejwtCompatible(t *testing.T) {
	s := newTestSigner("compat-secret", fixed.Add(time.Minute))
	c := Claims{TokenType: Access, Exp: 2000003600, Iat: 2000000000, JTI: "0123456789abcdef0123456789abcdef", UserID: 42}
	got, err := s.Sign(c)
	if err != nil || got != pyAccess {
		t.Fatalf("Sign = %q, %v\nwant %q", got, err, pyAccess)
	}
	for _, tc := range []struct {
		raw, typ string
		exp      int64
	}{{pyAccess, Access, 2000003600}, {pyRefresh, Refresh, 2000604800}} {
		c, err := s.Parse(tc.raw, tc.typ)
		want := Claims{TokenType: tc.typ, Exp: tc.exp, Iat: 2000000000, JTI: "0123456789abcdef0123456789abcdef", UserID: 42}
		if err != nil || c != want {
			t.Errorf("Parse(%s) = %+v, %v; want %+v", tc.typ, c, err, want)
		}
	}
}

func TestIssuePair(t *testing.T) {
	s := newTestSigner("k", fixed)
	p, err := s.IssuePair(7, fixed)
	if err != nil {
		t.Fatal(err)
	}
	if p.RefreshClaims.Exp-p.RefreshClaims.Iat != int64(RefreshLifetime/time.Second) ||
		p.AccessClaims.Exp-p.AccessClaims.Iat != int64(AccessLifetime/time.Second) {
		t.Errorf("lifetimes: refresh %+v access %+v", p.RefreshClaims, p.AccessClaims)
	}
	if p.RefreshClaims.JTI == p.AccessClaims.JTI || len(p.AccessClaims.JTI) != 32 {
		t.Errorf("jti: %q %q", p.RefreshClaims.JTI, p.AccessClaims.JTI)
	}
	// The payload keeps simplejwt's claim order.
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(p.Access, ".")[1])
	want := fmt.Sprintf(`{"token_type":"access","exp":%d,"iat":%d,"jti":"%s","user_id":7}`, fixed.Add(time.Hour).Unix(), fixed.Unix(), p.AccessClaims.JTI)
	if string(payload) != want {
		t.Errorf("payload %s\nwant    %s", payload, want)
	}
	for raw, typ := range map[string]string{p.Access: Access, p.Refresh: Refresh} {
		c, err := s.Parse(raw, typ)
		if err != nil || c.UserID != 7 || c.TokenType != typ {
			t.Errorf("Parse(%s) = %+v, %v", typ, c, err)
		}
	}
	if _, err := s.Parse(p.Refresh, Access); err != ErrWrongType {
		t.Errorf("refresh as access: %v", err)
	}
	if _, err := s.Parse(p.Access, Refresh); err != ErrWrongType {
		t.Errorf("access as refresh: %v", err)
	}
	if _, err := newTestSigner("other", fixed).Parse(p.Access, Access); err != ErrInvalid {
		t.Errorf("other key: %v", err)
	}
}

// TestParseErrors: each failure has simplejwt's reason, in simplejwt's
// order of checks.
func TestParseErrors(t *testing.T) {
	s := newTestSigner("k", fixed)
	now := fixed.Unix()
	sign := func(payload string) string { return s.SignPayload([]byte(payload)) }
	good := func(extra string) string {
		return sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"iat":%d,"jti":"j","user_id":3%s}`, now+60, now, extra))
	}
	tamper := func(tok string, part int, with string) string {
		p := strings.Split(tok, ".")
		p[part] = with
		return strings.Join(p, ".")
	}
	b64 := base64.RawURLEncoding.EncodeToString
	ok := good("")
	cases := []struct {
		name, raw string
		want      error
		uid       UserID
	}{
		{"valid", ok, nil, 3},
		{"unknown claims ignored", good(`,"aud":"x","iss":"y","extra":{"a":[1]}`), nil, 3},
		{"expired", sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"iat":%d,"jti":"j","user_id":3}`, now, now-60)), ErrInvalid, 0},
		{"expires in a second", sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"jti":"j","user_id":3}`, now+1)), nil, 3},
		{"float exp", sign(fmt.Sprintf(`{"token_type":"access","exp":%d.5,"jti":"j","user_id":3}`, now+10)), nil, 3},
		{"string exp", sign(`{"token_type":"access","exp":"abc","jti":"j","user_id":3}`), ErrInvalid, 0},
		{"huge exp", sign(`{"token_type":"access","exp":1e300,"jti":"j","user_id":3}`), ErrInvalid, 0},
		{"no exp", sign(`{"token_type":"access","jti":"j","user_id":3}`), ErrNoExp, 0},
		{"iat in the future", sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"iat":%d,"jti":"j","user_id":3}`, now+60, now+2)), ErrInvalid, 0},
		{"iat within the leeway", sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"iat":%d,"jti":"j","user_id":3}`, now+60, now+1)), nil, 3},
		{"no iat", sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"jti":"j","user_id":3}`, now+60)), nil, 3},
		{"nbf in the future", good(fmt.Sprintf(`,"nbf":%d`, now+5)), ErrInvalid, 0},
		{"nbf in the past", good(fmt.Sprintf(`,"nbf":%d`, now-5)), nil, 3},
		{"no jti", sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"user_id":3}`, now+60)), ErrNoID, 0},
		{"empty jti", sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"jti":"","user_id":3}`, now+60)), nil, 3},
		{"no type", sign(fmt.Sprintf(`{"exp":%d,"jti":"j","user_id":3}`, now+60)), ErrNoType, 0},
		{"refresh type", sign(fmt.Sprintf(`{"token_type":"refresh","exp":%d,"jti":"j","user_id":3}`, now+60)), ErrWrongType, 0},
		{"numeric type", sign(fmt.Sprintf(`{"token_type":1,"exp":%d,"jti":"j","user_id":3}`, now+60)), ErrWrongType, 0},
		{"no user", sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"jti":"j"}`, now+60)), ErrNoUserID, 0},
		{"string user", sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"jti":"j","user_id":"3"}`, now+60)), nil, 3},
		{"integral float user", sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"jti":"j","user_id":3.0}`, now+60)), nil, 3},
		{"fractional user", sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"jti":"j","user_id":3.5}`, now+60)), nil, 0},
		{"word user", sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"jti":"j","user_id":"abc"}`, now+60)), nil, 0},
		{"null user", sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"jti":"j","user_id":null}`, now+60)), nil, 0},
		{"negative user", sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"jti":"j","user_id":-3}`, now+60)), nil, 0},
		{"escaped strings", sign(fmt.Sprintf(`{"token_type":"acc\u0065ss", "exp" : %d,"jti":"\u006a","user_id":3}`, now+60)), nil, 3},
		{"payload not an object", sign(`[1,2]`), ErrInvalid, 0},
		{"payload null", sign(`null`), ErrInvalid, 0},
		{"payload with trailing data", sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"jti":"j","user_id":3} {}`, now+60)), ErrInvalid, 0},
		{"user as Python int() text", sign(fmt.Sprintf(`{"token_type":"access","exp":%d,"jti":"j","user_id":" +3_0 "}`, now+60)), nil, 30},
		{"payload not JSON", sign(`{"token_type":`), ErrInvalid, 0},
		{"tampered signature", tamper(ok, 2, strings.Repeat("A", 43)), ErrInvalid, 0},
		{"signature too short", tamper(ok, 2, "AAAA"), ErrInvalid, 0},
		{"signature not base64", tamper(ok, 2, "!!!!"), ErrInvalid, 0},
		{"payload changed", tamper(ok, 1, b64([]byte(`{"token_type":"access","exp":9999999999,"jti":"j","user_id":1}`))), ErrInvalid, 0},
		{"alg none", tamper(tamper(ok, 0, b64([]byte(`{"alg":"none","typ":"JWT"}`))), 2, ""), ErrInvalid, 0},
		{"alg HS512 header", tamper(ok, 0, b64([]byte(`{"alg":"HS512","typ":"JWT"}`))), ErrInvalid, 0},
		{"header not JSON", tamper(ok, 0, b64([]byte(`nope`))), ErrInvalid, 0},
		{"two segments", strings.Join(strings.Split(ok, ".")[:2], "."), ErrInvalid, 0},
		{"four segments", ok + ".x", ErrInvalid, 0},
		{"padded", ok + "=", ErrInvalid, 0},
		{"empty", "", ErrInvalid, 0},
		{"garbage", "not.a.jwt", ErrInvalid, 0},
		{"oversize", ok + strings.Repeat("A", MaxLen), ErrInvalid, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := s.Parse(tc.raw, Access)
			if !errors.Is(err, tc.want) || (tc.want != nil && err != tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && c.UserID != tc.uid {
				t.Fatalf("user %d, want %d", c.UserID, tc.uid)
			}
		})
	}
	// A header other than ours, re-signed, is accepted when it names HS256.
	h := b64([]byte(`{"typ":"JWT","alg":"HS256","kid":"1"}`))
	p := strings.Split(ok, ".")[1]
	other := h + "." + p + "." + resign("k", h+"."+p)
	if _, err := s.Parse(other, Access); err != nil {
		t.Errorf("other HS256 header: %v", err)
	}
}

// resign returns the HS256 signature of signed with key.
func resign(key, signed string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(signed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// claimSeeds are payloads for FuzzClaims.
var claimSeeds = []string{
	`{"token_type":"access","exp":2000003600,"iat":2000000000,"jti":"0123456789abcdef0123456789abcdef","user_id":42}`,
	`{}`, `{"a":true,"b":false,"c":null,"d":-0.5e+3}`, `{"exp":1,"exp":2}`, `{"a":"\u0041"}`, `{"a":01}`,
	`{"a":1.}`, `{"a":1e}`, `{"a" :1}`, `{"a":[1]}`, `{"a":"é"}`, `{"a":1,}`, `{"a"}`, `{`, `{"user_id":"7"}`, `null`,
}

// FuzzClaims: any payload, signed, parses without panicking and is
// accepted only as an access token.
func FuzzClaims(f *testing.F) {
	for _, p := range claimSeeds {
		f.Add([]byte(p))
	}
	s := newTestSigner("k", fixed)
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, err := s.Parse(s.SignPayload(payload), Access)
		if err == nil && c.TokenType != Access {
			t.Fatalf("accepted type %q", c.TokenType)
		}
	})
}

// FuzzParse: Parse of any string never panics and fails only with its
// documented errors.
func FuzzParse(f *testing.F) {
	s := newTestSigner("k", fixed)
	p, _ := s.IssuePair(1, fixed)
	for _, seed := range []string{p.Access, p.Refresh, pyAccess, "", ".", "..", "a.b.c", "eyJ.eyJ.x", p.Access + "x"} {
		f.Add(seed)
	}
	known := []error{ErrInvalid, ErrNoExp, ErrNoID, ErrNoType, ErrWrongType, ErrNoUserID}
	f.Fuzz(func(t *testing.T, raw string) {
		_, err := s.Parse(raw, Access)
		if err == nil {
			return
		}
		for _, k := range known {
			if err == k {
				return
			}
		}
		t.Fatalf("unexpected error %v", err)
	})
}

// TestMemo: a token seen before answers as a fresh parse would, at every
// time and for either expected type.
func TestMemo(t *testing.T) {
	now := fixed
	s := NewSigner("k")
	s.Now = func() time.Time { return now }
	p, err := s.IssuePair(5, fixed)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second round answers from the memo
		if c, err := s.Parse(p.Access, Access); err != nil || c != p.AccessClaims {
			t.Fatalf("Parse = %+v, %v; want %+v", c, err, p.AccessClaims)
		}
		if _, err := s.Parse(p.Access, Refresh); err != ErrWrongType {
			t.Fatalf("as refresh: %v", err)
		}
	}
	if _, ok := s.seen.get(p.Access); !ok {
		t.Fatal("a valid token was not remembered")
	}
	now = fixed.Add(-2 * time.Second) // iat now in the future, past the leeway
	if _, err := s.Parse(p.Access, Access); err != ErrInvalid {
		t.Fatalf("before iat: %v", err)
	}
	now = fixed.Add(AccessLifetime)
	if _, err := s.Parse(p.Access, Access); err != ErrInvalid {
		t.Fatalf("expired: %v", err)
	}
	// The memo stays bounded.
	now = fixed
	for i := range memoSize + 10 {
		c := newClaims(Access, int64(i+1), fixed, AccessLifetime)
		raw, _ := s.Sign(c)
		if _, err := s.Parse(raw, Access); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.seen.m); n > memoSize {
		t.Fatalf("memo holds %d tokens", n)
	}
}

// BenchmarkParse is Parse of the same access token again and again, as on
// every request of a session (answered from the memo).
func BenchmarkParse(b *testing.B) {
	s := NewSigner("bench")
	p, _ := s.IssuePair(1, time.Now())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Parse(p.Access, Access); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseLibrary is a parse through golang-jwt, without the memo.
func BenchmarkParseLibrary(b *testing.B) {
	s := NewSigner("bench")
	p, _ := s.IssuePair(1, time.Now())
	b.ReportAllocs()
	for b.Loop() {
		now := float64(time.Now().UnixNano()) / 1e9
		if _, err := s.parse(p.Access, Access, now); err != nil {
			b.Fatal(err)
		}
	}
}
