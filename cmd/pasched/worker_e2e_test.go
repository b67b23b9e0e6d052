package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pasched/jobs"
	"pasched/mail"
	"pasched/sqlstore"
)

// TestWorkerAlone: `pasched worker` runs the job workers without any web
// instance: an email job committed to the database is sent by it (file
// backend), and SIGTERM stops it cleanly.
func TestWorkerAlone(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	dir := t.TempDir()
	dbURL := migratedSQLite(t)
	ctx := context.Background()

	// Migrate and enqueue as a web instance would, from this process.
	db, err := sqlstore.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	js, err := jobs.New(ctx, jobs.Opts{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer js.Close()
	msg := mail.Message{To: []string{"alice@example.com"}, Subject: "Worker alone", Text: "sent by pasched worker", HTML: "<p>sent by pasched worker</p>"}
	if err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error { return jobs.EnqueueEmail(ctx, js.Client, tx, msg, "worker-e2e") }); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(binary(t), "worker")
	cmd.Dir = dir
	cmd.Env = baseEnv(dir, dbURL)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	}()

	// Wait (bounded) for the .eml the file backend writes.
	deadline := time.Now().Add(60 * time.Second)
	var sent string
	for sent == "" {
		files, _ := filepath.Glob(filepath.Join(dir, "mail", "*.eml"))
		if len(files) > 0 {
			b, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			sent = string(b)
			break
		}
		select {
		case err := <-done:
			t.Fatalf("worker exited before sending: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no email sent by the worker within 60 s")
		}
	}
	if !strings.Contains(sent, "Worker alone") || !strings.Contains(sent, "alice@example.com") {
		t.Fatalf("unexpected email:\n%s", sent)
	}
	cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("worker exit: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("worker did not stop within 20 s of SIGINT")
	}
}
