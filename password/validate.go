package password

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"pasched/internal/python"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Validation settings: Django's defaults, as the seed's
// AUTH_PASSWORD_VALIDATORS uses them without OPTIONS.
const (
	MinLength     = 8   // MinimumLengthValidator.min_length
	MaxSimilarity = 0.7 // UserAttributeSimilarityValidator.max_similarity
)

// Messages of Django 5.2's validators (English), word for word.
const (
	msgTooSimilar = "The password is too similar to the %s."
	msgTooShort   = "This password is too short. It must contain at least 8 characters."
	msgTooCommon  = "This password is too common."
	msgNumeric    = "This password is entirely numeric."
)

// UserAttrs are the user fields that UserAttributeSimilarityValidator
// compares a password with. Empty fields are skipped; the zero value
// skips the check, as Django does for validate_password(pw, user=None).
type UserAttrs struct {
	Username, FirstName, LastName, Email string
}

// Validate runs Django's four password validators in the order of the
// seed's AUTH_PASSWORD_VALIDATORS — UserAttributeSimilarity,
// MinimumLength, CommonPassword, Numeric — and returns every failure's
// message in that order, or nil when plain is acceptable.
//
// Note that the seed's register and password-reset serializers call
// validate_password as a DRF field validator, that is without a user, so
// there the similarity check never runs: pass UserAttrs{} to match.
func Validate(plain string, u UserAttrs) []string {
	var msgs []string
	if m := checkSimilarity(plain, u); m != "" {
		msgs = append(msgs, m)
	}
	if utf8.RuneCountInString(plain) < MinLength {
		msgs = append(msgs, msgTooShort)
	}
	if isCommon(plain) {
		msgs = append(msgs, msgTooCommon)
	}
	if isDigits(plain) {
		msgs = append(msgs, msgNumeric)
	}
	return msgs
}

// HelpTexts returns the validators' help texts (Django's
// password_validators_help_texts), in the same order as Validate.
func HelpTexts() []string {
	return []string{
		"Your password can’t be too similar to your other personal information.",
		"Your password must contain at least 8 characters.",
		"Your password can’t be a commonly used password.",
		"Your password can’t be entirely numeric.",
	}
}

// checkSimilarity ports UserAttributeSimilarityValidator.validate (Django
// 4.2+, with exceeds_maximum_length_ratio) and returns its message or "".
//
// The field names are the verbose names of the seed's users.User: it
// inherits username, first_name and last_name from AbstractUser but
// redeclares email without a verbose_name, so Django calls it "email"
// (not AbstractUser's "email address").
func checkSimilarity(plain string, u UserAttrs) string {
	attrs := [...]struct{ value, name string }{
		{u.Username, "username"},
		{u.FirstName, "first name"},
		{u.LastName, "last name"},
		{u.Email, "email"},
	}
	var pw []rune // lowered lazily: most calls carry no attributes
	for _, a := range attrs {
		if a.value == "" {
			continue
		}
		if pw == nil {
			pw = pyLower(plain)
		}
		value := pyLower(a.value)
		for _, part := range append(splitNonWord(value), value) {
			if exceedsMaximumLengthRatio(len(pw), len(part)) {
				continue
			}
			if quickRatio(pw, part) >= MaxSimilarity {
				return strings.Replace(msgTooSimilar, "%s", a.name, 1)
			}
		}
	}
	return ""
}

// exceedsMaximumLengthRatio ports Django's exceeds_maximum_length_ratio:
// a value part ten times shorter than the password cannot reach
// MaxSimilarity, so it is skipped without matching.
func exceedsMaximumLengthRatio(pwdLen, valueLen int) bool {
	maxSimilarity := float64(MaxSimilarity)
	lengthBoundSimilarity := maxSimilarity / 2 * float64(pwdLen)
	return pwdLen >= 10*valueLen && float64(valueLen) < lengthBoundSimilarity
}

// quickRatio ports Python's difflib.SequenceMatcher(a=a, b=b).quick_ratio():
// 2*M/T where M is the size of the multiset intersection of a's and b's
// code points and T is len(a)+len(b); 1.0 when both are empty.
func quickRatio(a, b []rune) float64 {
	fullB := make(map[rune]int, len(b))
	for _, r := range b {
		fullB[r]++
	}
	matches := 0
	for _, r := range a {
		if fullB[r] > 0 {
			fullB[r]--
			matches++
		}
	}
	length := len(a) + len(b)
	if length == 0 {
		return 1.0
	}
	return 2.0 * float64(matches) / float64(length)
}

// splitNonWord ports re.split(r'\W+', s) for a str pattern: split on runs
// of characters that are not Python word characters (Unicode letters and
// numbers, and '_'), keeping the empty strings at either end.
func splitNonWord(s []rune) [][]rune {
	parts := [][]rune{}
	start := 0
	for i := 0; i < len(s); {
		if isWord(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && !isWord(s[j]) {
			j++
		}
		parts = append(parts, s[start:i])
		start, i = j, j
	}
	return append(parts, s[start:])
}

// isWord is Python's \w for str patterns: str.isalnum() or '_', which is
// exactly the Unicode categories L* and N* plus '_'.
func isWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_'
}

// pyLower ports Python's str.lower(): Unicode full lowercase mapping, which
// differs from per-rune unicode.ToLower only for U+0130 (İ → "i̇") and the
// context-dependent final sigma (Σ → ς at the end of a word).
func pyLower(s string) []rune {
	in := []rune(s)
	out := make([]rune, 0, len(in))
	for i, r := range in {
		switch r {
		case 'İ':
			out = append(out, 'i', '\u0307')
		case 'Σ':
			out = append(out, lowerSigma(in, i))
		default:
			out = append(out, unicode.ToLower(r))
		}
	}
	return out
}

// lowerSigma is CPython's handle_capital_sigma: Σ is final (ς) when a cased
// letter precedes it and none follows, skipping case-ignorable characters.
func lowerSigma(s []rune, i int) rune {
	j := i - 1
	for j >= 0 && isCaseIgnorable(s[j]) {
		j--
	}
	final := j >= 0 && isCased(s[j])
	if final {
		j = i + 1
		for j < len(s) && isCaseIgnorable(s[j]) {
			j++
		}
		final = j == len(s) || !isCased(s[j])
	}
	if final {
		return 'ς'
	}
	return 'σ'
}

// isCased is Unicode's Cased property.
func isCased(r rune) bool {
	return unicode.In(r, unicode.Lu, unicode.Ll, unicode.Lt,
		unicode.Other_Lowercase, unicode.Other_Uppercase)
}

// isCaseIgnorable is Unicode's Case_Ignorable property: categories Mn, Me,
// Cf, Lm, Sk and Word_Break MidLetter, MidNumLet and Single_Quote.
func isCaseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '\u00b7', '\u0387', '\u055f', '\u05f4', '\u2018',
		'\u2019', '\u2024', '\u2027', '\ufe13', '\ufe52', '\ufe55', '\uff07',
		'\uff0e', '\uff1a':
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// isDigits ports Python's str.isdigit(): non-empty and every character has
// Numeric_Type Digit or Decimal — the Nd category plus superscripts,
// circled and other digit forms of category No.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.Is(unicode.Nd, r) && !unicode.Is(otherDigits, r) {
			return false
		}
	}
	return true
}

// otherDigits lists the characters outside Nd for which Python's
// str.isdigit() is true (Numeric_Type=Digit, Unicode 14).
var otherDigits = &unicode.RangeTable{
	R16: []unicode.Range16{
		{0x00b2, 0x00b3, 1}, {0x00b9, 0x00b9, 1}, {0x1369, 0x1371, 1},
		{0x19da, 0x19da, 1}, {0x2070, 0x2070, 1}, {0x2074, 0x2079, 1},
		{0x2080, 0x2089, 1}, {0x2460, 0x2468, 1}, {0x2474, 0x247c, 1},
		{0x2488, 0x2490, 1}, {0x24ea, 0x24ea, 1}, {0x24f5, 0x24fd, 1},
		{0x24ff, 0x24ff, 1}, {0x2776, 0x277e, 1}, {0x2780, 0x2788, 1},
		{0x278a, 0x2792, 1},
	},
	R32: []unicode.Range32{
		{0x10a40, 0x10a43, 1}, {0x10e60, 0x10e68, 1}, {0x11052, 0x1105a, 1},
		{0x1f100, 0x1f10a, 1},
	},
	LatinOffset: 2,
}

// commonPasswordsGz is Django's django/contrib/auth/common-passwords.txt.gz
// (Royce Williams's list, lowercased and deduplicated: 19,727 entries).
//
//go:embed common-passwords.txt.gz
var commonPasswordsGz []byte

// commonPasswordsExtra completes Django's list past 20,000 entries: the 300
// most common passwords of eight characters or more from zxcvbn's ranked
// list (xato's, MIT-licensed in github.com/nbutton23/zxcvbn-go) that
// Django's lacks. Shorter ones would already fail the length check.
//
//go:embed common-passwords-extra.txt
var commonPasswordsExtra string

// commonPasswords decompresses the list once, on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswordsGz))
	if err != nil {
		panic("password: embedded common-passwords.txt.gz: " + err.Error())
	}
	set := make(map[string]struct{}, 20100)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		set[python.Strip(sc.Text())] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		panic("password: embedded common-passwords.txt.gz: " + err.Error())
	}
	for _, w := range strings.Split(commonPasswordsExtra, "\n") {
		if w = python.Strip(w); w != "" {
			set[w] = struct{}{}
		}
	}
	return set
})

// isCommon ports CommonPasswordValidator: password.lower().strip() in list.
func isCommon(plain string) bool {
	_, ok := commonPasswords()[python.Strip(string(pyLower(plain)))]
	return ok
}
