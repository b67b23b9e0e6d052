package mail_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"pasched/mail"
)

func TestConsoleWritesReadableMessages(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	sender := mail.NewConsole(&buf, fromAddr)
	ctx := testContext(t)
	cases := emailCases()
	for _, c := range cases {
		m, err := c.render()
		if err != nil {
			t.Fatal(err)
		}
		if err := sender.Send(ctx, m); err != nil {
			t.Fatalf("%s: Send: %v", c.name, err)
		}
	}
	out := buf.String()
	chunks := consoleMessages(out)
	if len(chunks) != len(cases) {
		t.Fatalf("console output has %d messages, want %d:\n%s", len(chunks), len(cases), out)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := parseMessage(t, []byte(chunks[i]))
			checkContent(t, c, p)
		})
	}
	// Bodies are 8-bit, so a developer reads the text and the links as they are.
	for _, want := range []string{"Hi " + hostile + ",", frontend + "/verify-email?token=abc123", "✅ SHIFT REQUEST APPROVED"} {
		if !strings.Contains(out, want) {
			t.Errorf("console output does not show %q verbatim", want)
		}
	}
}

func TestConsoleConcurrentSendsDoNotInterleave(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	sender := mail.NewConsole(&buf, fromAddr)
	ctx := testContext(t)
	m, err := mail.ShiftRejected("pa@example.test", shiftFixture())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := sender.Send(ctx, m); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	chunks := consoleMessages(buf.String())
	if len(chunks) != 8 {
		t.Fatalf("got %d messages, want 8", len(chunks))
	}
	for _, chunk := range chunks {
		parseMessage(t, []byte(chunk))
	}
}

// consoleMessages splits console output into its messages; each ends with a line of
// 79 dashes.
func consoleMessages(out string) []string {
	chunks := strings.Split(out, strings.Repeat("-", 79)+"\n")
	return chunks[:len(chunks)-1]
}

func TestFileWritesOneEMLPerMessage(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "outbox") // created by NewFile
	sender, err := mail.NewFile(dir, fromAddr)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	cases := emailCases()
	want := map[string]emailCase{}
	for _, c := range cases {
		m, err := c.render()
		if err != nil {
			t.Fatal(err)
		}
		if err := sender.Send(ctx, m); err != nil {
			t.Fatalf("%s: Send: %v", c.name, err)
		}
		want[c.subject] = c
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(cases) {
		t.Fatalf("%d files in %s, want %d", len(entries), dir, len(cases))
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".eml") || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("unexpected file %q (temporary file left behind?)", e.Name())
		}
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %v, want 0600", e.Name(), perm)
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		p := parseMessage(t, raw)
		c, ok := want[p.subject]
		if !ok {
			t.Errorf("%s: unexpected subject %q", e.Name(), p.subject)
			continue
		}
		delete(want, p.subject)
		checkContent(t, c, p)
	}
}

func TestNewChoosesBackend(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	for _, backend := range []string{"", "console", " Console ", "django.core.mail.backends.console.EmailBackend"} {
		s, err := mail.New(mail.Config{Backend: backend, Console: &buf})
		if err != nil {
			t.Fatalf("New(%q): %v", backend, err)
		}
		m, err := mail.Verification("new@example.test", "New", frontend+"/verify-email?token=x")
		if err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		if err := s.Send(testContext(t), m); err != nil {
			t.Fatal(err)
		}
		msgs := consoleMessages(buf.String())
		if len(msgs) != 1 {
			t.Fatalf("New(%q): %d messages written, want 1", backend, len(msgs))
		}
		from, err := parseMessage(t, []byte(msgs[0])).header.AddressList("From")
		if err != nil || len(from) != 1 || from[0].Address != mail.DefaultFrom {
			t.Errorf("From = %v (%v), want the default %s", from, err, mail.DefaultFrom)
		}
	}
	if _, err := mail.New(mail.Config{Backend: "file", FilePath: t.TempDir()}); err != nil {
		t.Errorf("file backend: %v", err)
	}
	if _, err := mail.New(mail.Config{Backend: "smtp", SMTP: mail.SMTPConfig{Host: "127.0.0.1", Port: 2525}}); err != nil {
		t.Errorf("smtp backend: %v", err)
	}

	for _, tc := range []struct {
		cfg  mail.Config
		want string
	}{
		{mail.Config{Backend: "sendgrid"}, `unknown EMAIL_BACKEND "sendgrid"`},
		{mail.Config{Backend: "file"}, "EMAIL_FILE_PATH"},
		{mail.Config{Backend: "smtp"}, "EMAIL_HOST"},
		{mail.Config{Backend: "smtp", SMTP: mail.SMTPConfig{Host: "h", UseTLS: true, UseSSL: true}}, "mutually exclusive"},
		{mail.Config{Backend: "smtp", SMTP: mail.SMTPConfig{Host: "h", Port: 70000}}, "EMAIL_PORT"},
		{mail.Config{Backend: "console", From: "not an address"}, "invalid From"},
	} {
		_, err := mail.New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error mentioning %q", tc.cfg, err, tc.want)
		}
	}
}
