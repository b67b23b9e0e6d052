package token

import (
	"strings"
	"testing"
)

func TestUnsubscribeToken(t *testing.T) {
	s, other := NewSigner("key-one"), NewSigner("key-two")
	tok := s.Unsubscribe(42, "shift_approved")
	id, kind, ok := s.ParseUnsubscribe(tok)
	if !ok || id != 42 || kind != "shift_approved" {
		t.Fatalf("round trip: %d %q %v", id, kind, ok)
	}
	mac := tok[strings.LastIndexByte(tok, '.')+1:]
	for name, bad := range map[string]string{
		"another key":              other.Unsubscribe(42, "shift_approved"),
		"another user, same mac":   "43.shift_approved." + mac,
		"another kind, same mac":   "42.reminder." + mac,
		"leading zero":             "042.shift_approved." + mac,
		"no mac":                   "42.shift_approved",
		"empty":                    "",
		"negative":                 "-42.shift_approved." + mac,
		"feed secret of that user": s.Feed(42, "shift_approved"),
		"truncated mac":            tok[:len(tok)-1],
		"overlong":                 tok + strings.Repeat("a", 300),
	} {
		if _, _, ok := s.ParseUnsubscribe(bad); ok {
			t.Errorf("%s: %q accepted", name, bad)
		}
	}
}

func TestFeedSecret(t *testing.T) {
	s := NewSigner("key")
	a, b := s.Feed(1, "salt-a"), s.Feed(1, "salt-b")
	if a == b || a == s.Feed(2, "salt-a") || a != s.Feed(1, "salt-a") || len(a) != 43 {
		t.Fatalf("feed secrets %q %q", a, b)
	}
	if FeedHash(a) == FeedHash(b) || len(FeedHash(a)) != 64 {
		t.Fatal("hash")
	}
}

func FuzzParseUnsubscribe(f *testing.F) {
	s := NewSigner("key")
	for _, tok := range []string{s.Unsubscribe(1, "reminder"), "1.reminder.x", "..", "9223372036854775808.a.b", ""} {
		f.Add(tok)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		id, kind, ok := s.ParseUnsubscribe(tok)
		if ok && s.Unsubscribe(id, kind) != tok {
			t.Fatalf("accepted %q, which is not the token of %d %q", tok, id, kind)
		}
	})
}
