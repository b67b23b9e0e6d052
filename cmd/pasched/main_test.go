package main

import (
	"os"
	"testing"
)

// runAsMain is set in the environment of the processes the end-to-end
// tests start: this test binary then is pasched (TestMain runs main), so
// those tests exec the code `go build ./cmd/pasched` links, built the same
// way (with -race under -race), without linking a second 40 MB binary
// first (≈2 s of CPU, on every `go test ./...`, when it was built per run).
const runAsMain = "PASCHED_TEST_RUN_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runAsMain) == "1" {
		main() // exits non-zero itself on an error
		os.Exit(0)
	}
	os.Exit(m.Run())
}
