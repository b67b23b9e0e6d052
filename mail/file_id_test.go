package mail_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"pasched/mail"
)

// TestFileNamedAfterMessageID: a message with an ID is written as
// "<ID>.eml" and carries it as its Message-ID; a second delivery of the same
// ID does not replace the first but sits beside it, visible.
func TestFileNamedAfterMessageID(t *testing.T) {
	dir := t.TempDir()
	s, err := mail.NewFile(dir, "noreply@example.com")
	if err != nil {
		t.Fatal(err)
	}
	m := mail.Message{To: []string{"pa@example.com"}, Subject: "S", Text: "t", HTML: "<p>h</p>", ID: "job-7-abc@example.com"}
	for range 2 {
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) < len(names[j]) })
	if len(names) != 2 || names[0] != "job-7-abc@example.com.eml" || !strings.HasPrefix(names[1], "job-7-abc@example.com.") {
		t.Fatalf("files %v", names)
	}
	for _, n := range names {
		b, _ := os.ReadFile(filepath.Join(dir, n))
		if !strings.Contains(string(b), "Message-ID: <job-7-abc@example.com>") {
			t.Errorf("%s lacks the Message-ID:\n%s", n, b)
		}
	}
}
