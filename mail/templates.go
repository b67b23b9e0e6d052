package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

//go:embed templates/*.txt templates/*.html
var templateFS embed.FS

// Layouts of the strings the caller formats, the Go spellings of the seed's strftime
// formats, so emails read as the seed's did ("Monday, January 05, 2026", "09:00 PM").
const (
	DateLayout        = "Monday, January 02, 2006"     // %A, %B %d, %Y: ShiftEmail.ShiftDate, PeriodEmail dates
	ShortDateLayout   = "Jan 02, 2006"                 // %b %d, %Y: ShiftEmail.ShortDate (subjects)
	TimeLayout        = "03:04 PM"                     // %I:%M %p: ShiftEmail.StartTime and EndTime
	SubmittedAtLayout = "January 02, 2006 at 03:04 PM" // %B %d, %Y at %I:%M %p: ShiftEmail.SubmittedAt
)

// ShiftEmail is what the shift emails say about one shift request. Every field is text
// already formatted by the caller (see the layouts above; times in the deployment's
// TIME_ZONE); the fields mirror the context the seed's tasks.py hands its templates.
type ShiftEmail struct {
	PAName    string // the requesting PA's full name (the seed's get_full_name()); PAEmail when empty
	PAEmail   string // the requesting PA's email address
	AdminName string // who approved it; "Admin" when empty, as in the seed
	ShiftDate string // DateLayout, e.g. "Monday, January 05, 2026"
	ShortDate string // ShortDateLayout, e.g. "Jan 05, 2026", used in subjects; ShiftDate when empty
	StartTime string // TimeLayout, e.g. "09:00 PM"
	EndTime   string // TimeLayout, e.g. "09:00 AM"
	// EndsNextDay marks an overnight shift (end time at or before start time); the
	// emails then say "(next day)" after the end time.
	EndsNextDay    bool
	Duration       string // hours with two decimals as the API gives them, e.g. "12.00"
	PeriodName     string // the schedule period's name
	PANotes        string // the PA's notes on the request (new-request email), optional
	AdminNotes     string // the admin's notes (approved email), optional
	RejectedReason string // why it was rejected (rejected email)
	SubmittedAt    string // SubmittedAtLayout: when the request was made (new-request email), optional
	// FrontendURL is FRONTEND_URL; links append the seed frontend's paths to it
	// (/admin/approve, /schedule, /requests/new).
	FrontendURL string
}

// PeriodEmail is what the finalisation email tells one PA about a finalised period.
// Strings are formatted by the caller.
type PeriodEmail struct {
	PAName         string // the PA's full name; "there" ("Hi there,") when empty
	PeriodName     string // the schedule period's name
	StartDate      string // DateLayout
	EndDate        string // DateLayout
	ApprovedShifts int    // the PA's approved shifts in the period
	ApprovedHours  string // their total hours with two decimals, e.g. "36.00"; optional
	// ClosedRequests counts the PA's requests that were still pending and were rejected
	// by finalisation (each also gets its own ShiftRejected email).
	ClosedRequests int
	FrontendURL    string // FRONTEND_URL; the link goes to its /schedule calendar
}

// emailTemplate is one email's pair of bodies.
type emailTemplate struct {
	name string
	text *texttemplate.Template
	html *htmltemplate.Template
}

var (
	verificationTmpl    = mustParse("verification")
	passwordResetTmpl   = mustParse("password_reset")
	newShiftRequestTmpl = mustParse("new_request_admin")
	shiftApprovedTmpl   = mustParse("shift_approved")
	shiftRejectedTmpl   = mustParse("shift_rejected")
	periodFinalizedTmpl = mustParse("period_finalized")
	invitationTmpl      = mustParse("invitation")
)

// mustParse parses templates/<name>.txt and .html with their shared pieces. The templates
// are embedded, so a failure is a programming error caught by any test.
func mustParse(name string) emailTemplate {
	text := texttemplate.Must(texttemplate.New(name).Option("missingkey=error").
		ParseFS(templateFS, "templates/common.txt", "templates/"+name+".txt"))
	html := htmltemplate.Must(htmltemplate.New(name).Option("missingkey=error").
		ParseFS(templateFS, "templates/common.html", "templates/"+name+".html"))
	return emailTemplate{name: name, text: text, html: html}
}

// render executes both bodies with data and returns the Message for to.
func (e emailTemplate) render(to []string, subject string, data any) (Message, error) {
	if len(to) == 0 {
		return Message{}, fmt.Errorf("mail: render %s: no recipients", e.name)
	}
	var text, html bytes.Buffer
	if err := e.text.ExecuteTemplate(&text, e.name+".txt", data); err != nil {
		return Message{}, fmt.Errorf("mail: render %s text: %w", e.name, err)
	}
	if err := e.html.ExecuteTemplate(&html, "layout", data); err != nil {
		return Message{}, fmt.Errorf("mail: render %s html: %w", e.name, err)
	}
	return Message{
		To:      append([]string(nil), to...),
		Subject: cleanHeader(subject),
		Text:    text.String(),
		HTML:    html.String(),
	}, nil
}

// accountEmail is the data of the account emails.
type accountEmail struct {
	UserName        string
	VerificationURL string
	ResetURL        string
}

// Verification renders the email asking a new user to confirm their address.
// userName is the user's full name, or their email when they gave none (as the seed);
// verificationURL is FRONTEND_URL/verify-email?token=….
func Verification(to, userName, verificationURL string) (Message, error) {
	if verificationURL == "" {
		return Message{}, errors.New("mail: render verification: empty verification URL")
	}
	return verificationTmpl.render([]string{to}, "✉️ Verify Your Email - PA Scheduling System",
		accountEmail{UserName: orDefault(userName, to), VerificationURL: verificationURL})
}

// PasswordReset renders the email carrying a password-reset link.
// userName is as for Verification; resetURL is FRONTEND_URL/reset-password?token=….
func PasswordReset(to, userName, resetURL string) (Message, error) {
	if resetURL == "" {
		return Message{}, errors.New("mail: render password reset: empty reset URL")
	}
	return passwordResetTmpl.render([]string{to}, "🔐 Password Reset - PA Scheduling System",
		accountEmail{UserName: orDefault(userName, to), ResetURL: resetURL})
}

// Invitation renders the email to a person an admin added: a link to choose
// their password (a password-reset link), which also confirms their address.
func Invitation(to, userName, inviterName, resetURL string, isPA bool) (Message, error) {
	if resetURL == "" {
		return Message{}, errors.New("mail: render invitation: empty link")
	}
	return invitationTmpl.render([]string{to}, "👋 You are invited - PA Scheduling System", struct {
		UserName, InviterName, ResetURL string
		IsPA                            bool
	}{orDefault(userName, to), orDefault(inviterName, "Your employer"), resetURL, isPA})
}

// NewShiftRequest renders the notice to the admins (every active admin in to, as the
// seed's send_admin_notification_new_request) that a PA asked for a shift.
func NewShiftRequest(to []string, d ShiftEmail) (Message, error) {
	d = d.normalized()
	return newShiftRequestTmpl.render(to, "🔔 New Shift Request from "+d.PAName, d)
}

// ShiftApproved renders the notice to the PA that their shift was approved, with the
// admin's notes when there are any.
func ShiftApproved(to string, d ShiftEmail) (Message, error) {
	d = d.normalized()
	return shiftApprovedTmpl.render([]string{to}, "✅ Shift Approved: "+d.ShortDate, d)
}

// ShiftRejected renders the notice to the PA that their shift request was not approved,
// with the reason.
func ShiftRejected(to string, d ShiftEmail) (Message, error) {
	d = d.normalized()
	return shiftRejectedTmpl.render([]string{to}, "❌ Shift Request Not Approved: "+d.ShortDate, d)
}

// PeriodFinalized renders the notice that a schedule period was finalised. The seed
// left it as a TODO; the wording follows its other emails. Call it once per PA (to
// holding that PA's address) so the counts are that PA's own.
func PeriodFinalized(to []string, d PeriodEmail) (Message, error) {
	d.PAName = orDefault(d.PAName, "there")
	d.FrontendURL = strings.TrimRight(d.FrontendURL, "/")
	return periodFinalizedTmpl.render(to, "📅 Schedule Finalized: "+d.PeriodName, d)
}

// normalized fills the defaults the seed applies and trims FrontendURL's trailing slash.
func (d ShiftEmail) normalized() ShiftEmail {
	d.PAName = orDefault(d.PAName, d.PAEmail)
	d.AdminName = orDefault(d.AdminName, "Admin")
	d.ShortDate = orDefault(d.ShortDate, d.ShiftDate)
	d.FrontendURL = strings.TrimRight(d.FrontendURL, "/")
	return d
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
