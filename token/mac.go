package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// Keyed tokens that are not JWTs: the one-click unsubscribe link of an
// email and the calendar feed URL. Each is an HMAC-SHA256 with the
// SECRET_KEY under a purpose of its own, so one kind of token can never be
// taken for another (nor for a JWT signature).

// mac is HMAC-SHA256(key, purpose || 0 || parts joined by 0), base64url.
func (s *Signer) mac(purpose string, parts ...string) string {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(purpose))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Unsubscribe returns the token of the one-click link that switches off
// kind for userID: "<user id>.<kind>.<mac>".
func (s *Signer) Unsubscribe(userID int64, kind string) string {
	id := strconv.FormatInt(userID, 10)
	return id + "." + kind + "." + s.mac("unsubscribe", id, kind)
}

// ParseUnsubscribe checks an unsubscribe token and returns whom and which
// kind it names; ok is false for anything not made by Unsubscribe with
// this key. (kind is not checked against the known kinds here.)
func (s *Signer) ParseUnsubscribe(tok string) (userID int64, kind string, ok bool) {
	if len(tok) > 200 {
		return 0, "", false
	}
	id, rest, ok1 := strings.Cut(tok, ".")
	kind, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || id == "" || kind == "" {
		return 0, "", false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != id {
		return 0, "", false
	}
	if !hmac.Equal([]byte(sig), []byte(s.mac("unsubscribe", id, kind))) {
		return 0, "", false
	}
	return n, kind, true
}

// Feed returns the secret of a user's calendar feed URL for the stored
// salt; a new salt (rotation) gives a new, unrelated secret.
func (s *Signer) Feed(userID int64, salt string) string {
	return s.mac("ics-feed", strconv.FormatInt(userID, 10), salt)
}

// FeedHash is how a feed secret is stored: SHA-256, hex (the secret is
// 256 random-looking bits, so a fast hash suffices).
func FeedHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	const hexdigits = "0123456789abcdef"
	out := make([]byte, 64)
	for i, b := range sum {
		out[2*i], out[2*i+1] = hexdigits[b>>4], hexdigits[b&15]
	}
	return string(out)
}
