// Package mail renders the system's emails and delivers them.
//
// Every email is a Message holding both a plain-text and an HTML body, rendered from
// templates embedded in the binary (text/template for the .txt bodies, html/template for
// the .html bodies, so user content is escaped in HTML). One function per email
// (Verification, PasswordReset, NewShiftRequest, ShiftApproved, ShiftRejected,
// PeriodFinalized) turns already formatted strings into a Message; a Sender delivers it.
//
// Three Senders mirror the seed's Django backends: NewConsole writes each message to an
// io.Writer, NewFile writes one .eml file per message, NewSMTP talks to an SMTP server.
// All three produce the same RFC 5322 message: From is DEFAULT_FROM_EMAIL and the body is
// multipart/alternative with a text/plain and a text/html part.
//
// Senders are safe for concurrent use. Send does not retry: retries with backoff are the
// job queue's business (see IsPermanent to tell a refusal from a transient failure).
package mail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"
)

// DefaultFrom is the sender address used when none is configured, as in the seed's settings.
const DefaultFrom = "noreply@example.com"

// Message is one email ready to send: recipients, subject and both bodies.
// The sender's From address is added by the Sender.
type Message struct {
	To      []string
	Subject string
	Text    string
	HTML    string
	// ListUnsubscribe, when set, is the one-click unsubscribe URL sent in
	// the RFC 8058 headers (List-Unsubscribe and List-Unsubscribe-Post).
	ListUnsubscribe string
	// ID is the Message-ID without angle brackets ("job-42-…@example.com").
	// A sender that is handed the same ID twice is delivering the same
	// message again (a retried job): the file backend names its file after
	// it. Empty means a random one.
	ID string
}

// Sender delivers messages. Implementations are safe for concurrent use.
type Sender interface {
	// Send delivers m, or returns an error saying why it could not. It honours ctx
	// cancellation where the transport allows.
	Send(ctx context.Context, m Message) error
}

// Backend names accepted by Config.Backend (EMAIL_BACKEND).
const (
	BackendConsole = "console"
	BackendSMTP    = "smtp"
	BackendFile    = "file"
)

// Config selects and configures a Sender; it mirrors the EMAIL_* settings.
type Config struct {
	// Backend is EMAIL_BACKEND: "console" (the default when empty), "smtp" or "file".
	// The seed's Django class paths (django.core.mail.backends.smtp.EmailBackend, …) are
	// accepted too, so an existing .env keeps working.
	Backend string
	// From is DEFAULT_FROM_EMAIL, an address optionally with a display name
	// ("PA Scheduling <noreply@example.com>"). Empty means DefaultFrom.
	From string
	// FilePath is EMAIL_FILE_PATH, the directory of the file backend.
	FilePath string
	// SMTP configures the smtp backend; its From is taken from Config.From when empty.
	SMTP SMTPConfig
	// Console is where the console backend writes; nil means os.Stdout.
	Console io.Writer
}

// New returns the Sender that cfg describes.
func New(cfg Config) (Sender, error) {
	from := cfg.From
	if from == "" {
		from = DefaultFrom
	}
	switch backendName(cfg.Backend) {
	case BackendConsole:
		w := cfg.Console
		if w == nil {
			w = os.Stdout
		}
		if err := checkFrom(from); err != nil {
			return nil, err
		}
		return NewConsole(w, from), nil
	case BackendFile:
		return NewFile(cfg.FilePath, from)
	case BackendSMTP:
		sc := cfg.SMTP
		if sc.From == "" {
			sc.From = from
		}
		return NewSMTP(sc)
	default:
		return nil, fmt.Errorf("mail: unknown EMAIL_BACKEND %q (want %q, %q or %q)",
			cfg.Backend, BackendConsole, BackendSMTP, BackendFile)
	}
}

// backendName normalises EMAIL_BACKEND, mapping Django's class paths to our names.
func backendName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "":
		return BackendConsole
	case "django.core.mail.backends.console.emailbackend":
		return BackendConsole
	case "django.core.mail.backends.smtp.emailbackend":
		return BackendSMTP
	case "django.core.mail.backends.filebased.emailbackend":
		return BackendFile
	}
	return s
}

// IsPermanent reports whether err is an SMTP server's permanent refusal (a 5xx reply),
// which retrying will not cure. Transient failures (4xx replies, network errors) and
// errors of other Senders report false.
func IsPermanent(err error) bool {
	code := replyCode(err)
	return code >= 500 && code <= 599
}

// checkFrom validates a From address the way the message builder will use it.
func checkFrom(from string) error {
	if err := gomail.NewMsg().From(from); err != nil {
		return fmt.Errorf("mail: invalid From address %q: %w", from, err)
	}
	return nil
}

// buildMsg turns m into a go-mail message from `from`, with its body parts in enc.
func buildMsg(from string, m Message, enc gomail.Encoding) (*gomail.Msg, error) {
	if len(m.To) == 0 {
		return nil, errors.New("mail: message has no recipients")
	}
	msg := gomail.NewMsg(gomail.WithEncoding(enc), gomail.WithCharset(gomail.CharsetUTF8),
		gomail.WithNoDefaultUserAgent())
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("mail: invalid From address %q: %w", from, err)
	}
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("mail: invalid recipient: %w", err)
	}
	msg.Subject(cleanHeader(m.Subject))
	msg.SetDateWithValue(time.Now())
	if id := messageID(m.ID); id != "" {
		msg.SetMessageIDWithValue(id)
	} else {
		msg.SetMessageID()
	}
	// RFC 3834: tells autoresponders not to answer (the bodies say "do not reply").
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	if m.ListUnsubscribe != "" {
		msg.SetGenHeader(gomail.Header("List-Unsubscribe"), "<"+cleanHeader(m.ListUnsubscribe)+">")
		msg.SetGenHeader(gomail.Header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	return msg, nil
}

// cleanHeader makes s safe for a one-line header: control characters (CR and LF among
// them) become spaces and runs of white space collapse to one.
func cleanHeader(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return strings.Join(strings.Fields(s), " ")
}

// messageID is id made safe for the Message-ID header: no angle brackets,
// no white space or control characters.
func messageID(id string) string {
	return strings.Map(func(r rune) rune {
		if r == '<' || r == '>' || unicode.IsSpace(r) || unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(id, ""))
}
