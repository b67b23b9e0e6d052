package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"pasched/sqlstore"
)

// opsUsage is the usage of the operations commands.
const opsUsage = `
  pasched import --from URL [--force]
  pasched demo [--seed N] [--start YYYY-MM]
  pasched backup FILE
  pasched restore FILE
  pasched healthcheck [--addr 127.0.0.1:8000]`

// opsCommands are the operations subcommands, kept apart from main.go's
// serving ones.
var opsCommands = map[string]func(ctx context.Context, cfg *config, args []string) error{
	"import":      importCmd,
	"demo":        demoCmd,
	"backup":      backupCmd,
	"restore":     restoreCmd,
	"healthcheck": healthcheckCmd,
}

// exitError ends the process with its own status (main exits 1 on any
// other error).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// exitCode is the process status for err.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// backupCmd is `pasched backup FILE`: an online, consistent copy of the
// SQLite database while serve keeps running. On PostgreSQL it points to
// pg_dump and exits 2.
func backupCmd(ctx context.Context, cfg *config, args []string) error {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: pasched backup FILE")
	}
	db, err := sqlstore.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	if err := db.Backup(ctx, args[0]); err != nil {
		if errors.Is(err, sqlstore.ErrBackupUnsupported) {
			return &exitError{code: 2, msg: err.Error()}
		}
		return err
	}
	fmt.Printf("backup written to %s (integrity_check ok, %d ms)\n", args[0], time.Since(start).Milliseconds())
	return nil
}

// restoreCmd is `pasched restore FILE`: the SQLite database becomes the
// backup FILE. Stop every serve and worker first.
func restoreCmd(ctx context.Context, cfg *config, args []string) error {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: pasched restore FILE")
	}
	db, err := sqlstore.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Restore(ctx, args[0]); err != nil {
		if errors.Is(err, sqlstore.ErrBackupUnsupported) {
			return &exitError{code: 2, msg: err.Error()}
		}
		return err
	}
	fmt.Printf("database restored from %s\n", args[0])
	return nil
}

// healthcheckCmd asks a running serve for /healthz and fails unless it
// answers 200: the container's HEALTHCHECK, which has no curl. The Host
// header is one of ALLOWED_HOSTS, which serve checks before anything else.
func healthcheckCmd(ctx context.Context, cfg *config, args []string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8000", "address of the serve to ask")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		return fmt.Errorf("healthcheck: --addr: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+*addr+"/healthz", nil)
	if err != nil {
		return err
	}
	req.Host = healthHost(cfg.AllowedHosts)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintln(os.Stdout, strings.TrimSpace(string(body)))
	return nil
}

// healthHost picks a Host header that ALLOWED_HOSTS accepts.
func healthHost(allowed []string) string {
	for _, h := range allowed {
		switch {
		case h == "*":
			return "localhost"
		case strings.HasPrefix(h, "."):
			return h[1:]
		case h != "":
			return h
		}
	}
	return "localhost"
}
