package mail_test

import (
	"strings"
	"testing"
	"unicode"

	"pasched/mail"
)

// FuzzTemplates renders every email with arbitrary user content: rendering never fails,
// the subject stays one header line, and in HTML the content never appears unescaped.
func FuzzTemplates(f *testing.F) {
	for _, seed := range []string{
		"", "Ann", hostile, `"><img src=x onerror=alert(1)>`, "javascript:alert(1)",
		"line one\r\nBcc: victim@example.test", "{{.PAName}}", "\x00\xff\xfe", "mailto:x@y", "a\u2028b",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Markers around the content find it again in the output. Their letters are taken
		// out of s so that no marker can be formed inside or across the content; escaping
		// never produces them (it writes lower-case entities and hex).
		const open, closing = "ZQX", "XQZ"
		s = strings.Map(func(r rune) rune {
			if strings.ContainsRune(open, r) {
				return -1
			}
			return r
		}, s)
		u := open + s + closing
		d := mail.ShiftEmail{
			PAName: u, PAEmail: u, AdminName: u, ShiftDate: u, ShortDate: u, StartTime: u, EndTime: u,
			Duration: u, PeriodName: u, PANotes: u, AdminNotes: u, RejectedReason: u, SubmittedAt: u,
			FrontendURL: u,
		}
		p := mail.PeriodEmail{PAName: u, PeriodName: u, StartDate: u, EndDate: u, ApprovedHours: u,
			ApprovedShifts: 1, ClosedRequests: 1, FrontendURL: u}
		renders := map[string]func() (mail.Message, error){
			"verification":      func() (mail.Message, error) { return mail.Verification("a@example.test", u, u) },
			"password reset":    func() (mail.Message, error) { return mail.PasswordReset("a@example.test", u, u) },
			"new shift request": func() (mail.Message, error) { return mail.NewShiftRequest([]string{"a@example.test"}, d) },
			"shift approved":    func() (mail.Message, error) { return mail.ShiftApproved("a@example.test", d) },
			"shift rejected":    func() (mail.Message, error) { return mail.ShiftRejected("a@example.test", d) },
			"period finalized":  func() (mail.Message, error) { return mail.PeriodFinalized([]string{"a@example.test"}, p) },
		}
		special := strings.ContainsAny(s, `<>&"'`)
		for name, render := range renders {
			m, err := render()
			if err != nil {
				t.Fatalf("%s: render: %v", name, err)
			}
			if strings.ContainsFunc(m.Subject, unicode.IsControl) {
				t.Errorf("%s: subject %q holds a control character", name, m.Subject)
			}
			if !strings.Contains(m.Text, u) {
				t.Errorf("%s: text part lacks the content verbatim", name)
			}
			if special && strings.Contains(m.HTML, u) {
				t.Errorf("%s: content appears unescaped in HTML", name)
			}
			// Wherever content lands in the HTML, no markup can start inside it.
			rest := m.HTML
			for {
				i := strings.Index(rest, open)
				if i < 0 {
					break
				}
				rest = rest[i+len(open):]
				j := strings.Index(rest, closing)
				if j < 0 {
					t.Fatalf("%s: content not closed in HTML", name)
				}
				if strings.ContainsAny(rest[:j], "<>") {
					t.Errorf("%s: markup inside content in HTML: %q", name, rest[:j])
				}
				rest = rest[j+len(closing):]
			}
		}
	})
}
