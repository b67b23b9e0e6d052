// Package python is what pasched reproduces of Python's built-ins, so that
// inputs the seed (Django, DRF, PyJWT) accepts are accepted alike: int()
// of a string and str.strip(). One reader for every front end, rule and
// token that needs them.
package python

import (
	"math/big"
	"strings"
	"unicode"
)

// IsSpace is Python's str.isspace() for one character: unicode.IsSpace
// plus the separators U+001C–U+001F.
func IsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// Strip is Python's str.strip() without arguments.
func Strip(s string) string { return strings.TrimFunc(s, IsSpace) }

// Int is Python's int(s, base) for base 10 or 16: white space around (as
// int() sees it: ASCII " \t\n\v\f\r" and Unicode's separators, which is
// unicode.IsSpace — not IsSpace, whose U+001C–U+001F int() refuses), one optional sign, for base 16 an optional 0x or 0X prefix, then
// digits with single underscores between them (and after the prefix).
// Digits are ASCII letters for base 16 and any Unicode decimal digit
// (category Nd), as CPython reads them. ok is false for anything int()
// refuses.
func Int(s string, base int) (n *big.Int, ok bool) {
	s = strings.TrimFunc(s, unicode.IsSpace)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	afterPrefix := false
	if base == 16 && len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s, afterPrefix = s[2:], true
	}
	// The ASCII digits, for big.Int (which would also take underscores
	// and prefixes where Python does not).
	digits := make([]byte, 0, len(s))
	prevUnderscore := false
	for _, r := range s {
		if r == '_' {
			if prevUnderscore || (len(digits) == 0 && !afterPrefix) {
				return nil, false
			}
			prevUnderscore = true
			continue
		}
		prevUnderscore = false
		d, ok := digitValue(r)
		if !ok || d >= base {
			return nil, false
		}
		digits = append(digits, "0123456789abcdef"[d])
	}
	if len(digits) == 0 || prevUnderscore {
		return nil, false
	}
	n, ok = new(big.Int).SetString(string(digits), base)
	if !ok {
		return nil, false
	}
	if neg {
		n.Neg(n)
	}
	return n, true
}

// Int64 is Int in base 10 for values that fit an int64; ok is false for
// anything else.
func Int64(s string) (int64, bool) {
	if n, ok := plainDigits(s); ok {
		return n, true
	}
	n, ok := Int(s, 10)
	if !ok || !n.IsInt64() {
		return 0, false
	}
	return n.Int64(), true
}

// plainDigits reads 1 to 18 ASCII digits and nothing else (the usual
// case, which cannot overflow), without a big.Int.
func plainDigits(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// digitValue is an ASCII hexadecimal digit's value, or a Unicode decimal
// digit's: Nd digits come in runs of ten from a zero, so the value is the
// position in the run.
func digitValue(r rune) (int, bool) {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0'), true
	case r >= 'a' && r <= 'f':
		return int(r-'a') + 10, true
	case r >= 'A' && r <= 'F':
		return int(r-'A') + 10, true
	}
	return Decimal(r)
}

// Decimal is the value of a Unicode decimal digit (category Nd, what
// Python's re \d matches and int() reads). Nd digits come in runs of ten
// from a zero, so the value is the position in the run.
func Decimal(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if r < 0x80 || !unicode.IsDigit(r) {
		return 0, false
	}
	n := 0
	for z := r - 1; unicode.IsDigit(z); z-- {
		n++
	}
	return n % 10, true
}
