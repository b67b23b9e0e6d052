package main

import (
	"flag"
	"os"
	"testing"

	"pasched/password"
)

// runAsMain is set in the environment of the processes the end-to-end
// tests start: this test binary then is pasched (TestMain runs main), so
// those tests exec the code `go build ./cmd/pasched` links, built the same
// way (with -race under -race), without linking a second 40 MB binary
// first (≈2 s of CPU on every `go test ./...`).
const runAsMain = "PASCHED_TEST_RUN_AS_MAIN"

// passwordCost = "production" in that environment keeps argon2id's
// production cost in the process; without it the process hashes at
// password.TestCost, as the other packages' tests do (TestServeSQLite keeps
// production's).
const passwordCost = "PASCHED_TEST_PASSWORD_COST"

// parallel is how many of this package's tests run at once unless
// -parallel says otherwise: they mostly wait on the processes they start
// and on deadlines (a kept-alive request held 600 ms, a body cut after
// 300 ms), not on this process's CPU, so GOMAXPROCS (the default) would
// leave them queued behind each other.
const parallel = "4"

func TestMain(m *testing.M) {
	if os.Getenv(runAsMain) == "1" {
		if os.Getenv(passwordCost) != "production" {
			password.SetTestCost(password.TestCost)
		}
		main() // exits non-zero itself on an error
		os.Exit(0)
	}
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		flag.Set("test.parallel", parallel)
	}
	os.Exit(m.Run())
}
