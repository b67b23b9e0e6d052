package jobs_test

import (
	"flag"
	"testing"

	"pasched/password/passwordtest"
)

// TestMain runs up to 8 tests at once unless -parallel says otherwise:
// they wait on River (its fetch and poll intervals, retries after a backoff,
// a hanging SMTP server's timeout), not on this process's CPU, so
// GOMAXPROCS at a time (the default) queued them behind each other.
func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		flag.Set("test.parallel", "8")
	}
	passwordtest.Main(m)
}
