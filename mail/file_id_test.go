package mail_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pasched/mail"
)

// TestFileNamedAfterMessageID: a message with an ID is written as
// "<ID>.eml" and carries it as its Message-ID; a second delivery of the same
// ID writes nothing (ErrAlreadyDelivered), so the send is idempotent.
func TestFileNamedAfterMessageID(t *testing.T) {
	dir := t.TempDir()
	s, err := mail.NewFile(dir, "noreply@example.com")
	if err != nil {
		t.Fatal(err)
	}
	m := mail.Message{To: []string{"pa@example.com"}, Subject: "S", Text: "t", HTML: "<p>h</p>", ID: "job-7-abc@example.com"}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	m.Subject = "S again"
	if err := s.Send(context.Background(), m); !errors.Is(err, mail.ErrAlreadyDelivered) {
		t.Fatalf("second delivery: %v, want ErrAlreadyDelivered", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "job-7-abc@example.com.eml" {
		t.Fatalf("files %v", names)
	}
	for _, n := range names {
		b, _ := os.ReadFile(filepath.Join(dir, n))
		if !strings.Contains(string(b), "Message-ID: <job-7-abc@example.com>") || strings.Contains(string(b), "again") {
			t.Errorf("%s lacks the Message-ID:\n%s", n, b)
		}
	}
}
