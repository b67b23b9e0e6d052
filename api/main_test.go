package api

import (
	"os"
	"runtime/debug"
	"testing"

	"pasched/password/passwordtest"
)

// TestMain runs the API in this process at the garbage collector's target
// pasched serve sets for it (GOGC=200 unless the environment sets GOGC):
// the tests serve tens of thousands of requests, and at the default 100
// the collector cost ~12% more of the package's CPU for the same
// assertions (a few MB more heap).
func TestMain(m *testing.M) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	passwordtest.Main(m)
}
