package mail_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"pasched/mail"
)

// hostile is user content that must come out escaped in HTML.
const hostile = `<script>alert("x")</script> & O'Brien`

// hostileHTML is hostile as html/template escapes it.
const hostileHTML = `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; O&#39;Brien`

const frontend = "https://pa.example.test"

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func shiftFixture() mail.ShiftEmail {
	date := time.Date(2026, time.January, 5, 0, 0, 0, 0, time.UTC)
	return mail.ShiftEmail{
		PAName:         hostile,
		PAEmail:        "pa@example.test",
		AdminName:      "Alex Admin",
		ShiftDate:      date.Format(mail.DateLayout),
		ShortDate:      date.Format(mail.ShortDateLayout),
		StartTime:      time.Date(0, 1, 1, 21, 0, 0, 0, time.UTC).Format(mail.TimeLayout),
		EndTime:        time.Date(0, 1, 1, 9, 0, 0, 0, time.UTC).Format(mail.TimeLayout),
		EndsNextDay:    true,
		Duration:       "12.00",
		PeriodName:     "January rota",
		PANotes:        "Can stay late",
		AdminNotes:     "Bring the new hoist sling",
		RejectedReason: "Already covered",
		SubmittedAt:    time.Date(2025, 12, 20, 14, 30, 0, 0, time.UTC).Format(mail.SubmittedAtLayout),
		FrontendURL:    frontend + "/",
	}
}

// emailCase is one of the six emails with what its message must say.
type emailCase struct {
	name    string
	render  func() (mail.Message, error)
	to      []string
	subject string
	text    []string // in the text part
	html    []string // in the HTML part
}

func emailCases() []emailCase {
	d := shiftFixture()
	shiftText := []string{hostile, "Monday, January 05, 2026", "09:00 PM - 09:00 AM (next day)", "12.00 hours", "January rota"}
	shiftHTML := []string{hostileHTML, "Monday, January 05, 2026", "09:00 PM – 09:00 AM (next day)", "12.00 hours", "January rota"}
	return []emailCase{{
		name: "verification",
		render: func() (mail.Message, error) {
			return mail.Verification("new@example.test", hostile, frontend+"/verify-email?token=abc123")
		},
		to:      []string{"new@example.test"},
		subject: "✉️ Verify Your Email - PA Scheduling System",
		text:    []string{"✉️ VERIFY YOUR EMAIL", "Hi " + hostile + ",", frontend + "/verify-email?token=abc123", "expire in 7 days"},
		html:    []string{"Hi " + hostileHTML + ",", `href="` + frontend + `/verify-email?token=abc123"`, "expire in 7 days"},
	}, {
		name: "password reset",
		render: func() (mail.Message, error) {
			return mail.PasswordReset("pa@example.test", hostile, frontend+"/reset-password?token=t0k&x=1")
		},
		to:      []string{"pa@example.test"},
		subject: "🔐 Password Reset - PA Scheduling System",
		text:    []string{"🔐 PASSWORD RESET REQUEST", "Hi " + hostile + ",", frontend + "/reset-password?token=t0k&x=1", "⚠️ SECURITY NOTICE", "expire in 24 hours"},
		html:    []string{"Hi " + hostileHTML + ",", `href="` + frontend + `/reset-password?token=t0k&amp;x=1"`, "Security notice"},
	}, {
		name: "new shift request",
		render: func() (mail.Message, error) {
			return mail.NewShiftRequest([]string{"a1@example.test", "a2@example.test"}, d)
		},
		to:      []string{"a1@example.test", "a2@example.test"},
		subject: "🔔 New Shift Request from " + hostile,
		text: append([]string{"🔔 NEW SHIFT REQUEST", "PA: " + hostile + " (pa@example.test)", "PA Notes: Can stay late",
			"Submitted: December 20, 2025 at 02:30 PM", frontend + "/admin/approve"}, shiftText...),
		html: append([]string{"Can stay late", "mailto:pa@example.test", "December 20, 2025 at 02:30 PM",
			`href="` + frontend + `/admin/approve"`}, shiftHTML...),
	}, {
		name:    "shift approved",
		render:  func() (mail.Message, error) { return mail.ShiftApproved("pa@example.test", d) },
		to:      []string{"pa@example.test"},
		subject: "✅ Shift Approved: Jan 05, 2026",
		text: append([]string{"✅ SHIFT REQUEST APPROVED", "approved by Alex Admin", "Admin Notes: Bring the new hoist sling",
			frontend + "/schedule"}, shiftText...),
		html: append([]string{"approved by Alex Admin", "Bring the new hoist sling", `href="` + frontend + `/schedule"`}, shiftHTML...),
	}, {
		name:    "shift rejected",
		render:  func() (mail.Message, error) { return mail.ShiftRejected("pa@example.test", d) },
		to:      []string{"pa@example.test"},
		subject: "❌ Shift Request Not Approved: Jan 05, 2026",
		text: append([]string{"❌ SHIFT REQUEST NOT APPROVED", "REASON FOR REJECTION\n--------------------\nAlready covered",
			frontend + "/requests/new"}, shiftText...),
		html: append([]string{"Reason for rejection", "Already covered", `href="` + frontend + `/requests/new"`}, shiftHTML...),
	}, {
		name: "period finalized",
		render: func() (mail.Message, error) {
			return mail.PeriodFinalized([]string{"pa@example.test"}, mail.PeriodEmail{
				PAName: hostile, PeriodName: "January rota",
				StartDate: "Thursday, January 01, 2026", EndDate: "Saturday, January 31, 2026",
				ApprovedShifts: 3, ApprovedHours: "36.00", ClosedRequests: 1, FrontendURL: frontend,
			})
		},
		to:      []string{"pa@example.test"},
		subject: "📅 Schedule Finalized: January rota",
		text: []string{"📅 SCHEDULE FINALIZED", "Hi " + hostile + ",", "Dates: Thursday, January 01, 2026 - Saturday, January 31, 2026",
			"Your Approved Shifts: 3 (36.00 hours)", "Requests Not Approved: 1", frontend + "/schedule"},
		html: []string{"Hi " + hostileHTML + ",", "Thursday, January 01, 2026 – Saturday, January 31, 2026", "3 (36.00 hours)",
			`href="` + frontend + `/schedule"`},
	}}
}

// parsed is a received message taken apart.
type parsed struct {
	header  netmail.Header
	subject string
	text    string
	html    string
}

// parseMessage parses raw as the multipart/alternative message every Sender produces.
func parseMessage(t *testing.T, raw []byte) parsed {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, raw)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	p := parsed{header: msg.Header, subject: subject}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		body, err := io.ReadAll(part)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		ct, cparams, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("part Content-Type: %v", err)
		}
		if !strings.EqualFold(cparams["charset"], "utf-8") {
			t.Errorf("part %s charset = %q, want UTF-8", ct, cparams["charset"])
		}
		types = append(types, ct)
		switch ct {
		case "text/plain":
			p.text = strings.ReplaceAll(string(body), "\r\n", "\n")
		case "text/html":
			p.html = strings.ReplaceAll(string(body), "\r\n", "\n")
		}
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Errorf("parts = %v, want text/plain then text/html", types)
	}
	return p
}

// checkContent asserts what every rendering of c must show.
func checkContent(t *testing.T, c emailCase, p parsed) {
	t.Helper()
	if p.subject != c.subject {
		t.Errorf("subject = %q, want %q", p.subject, c.subject)
	}
	addrs, err := p.header.AddressList("To")
	if err != nil {
		t.Fatalf("To: %v", err)
	}
	var to []string
	for _, a := range addrs {
		to = append(to, a.Address)
	}
	if strings.Join(to, ",") != strings.Join(c.to, ",") {
		t.Errorf("To = %v, want %v", to, c.to)
	}
	for _, want := range c.text {
		if !strings.Contains(p.text, want) {
			t.Errorf("text part lacks %q:\n%s", want, p.text)
		}
	}
	for _, want := range c.html {
		if !strings.Contains(p.html, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, p.html)
		}
	}
	for _, want := range []string{`<html lang="en"`, "<h1", "</main>"} {
		if !strings.Contains(p.html, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
	if strings.Contains(p.html, "<script") {
		t.Errorf("HTML part contains an unescaped <script>:\n%s", p.html)
	}
	if !strings.Contains(p.text, "This is an automated message. Please do not reply to this email.") {
		t.Errorf("text part lacks the footer")
	}
}
