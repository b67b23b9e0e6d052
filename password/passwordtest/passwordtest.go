// Package passwordtest holds the TestMain of the packages whose tests make
// users and log in.
package passwordtest

import (
	"flag"
	"os"
	"testing"

	"pasched/password"
)

// Main runs a package's tests with passwords hashed at argon2id's cheapest
// cost (password.TestCost), so that creating users and logging in costs
// microseconds, not ~25 ms of CPU and 19 MiB each (much more under the
// race detector). Benchmarks (-bench) keep the production cost, as do the
// password package's own tests and api's TestRegister.
func Main(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		password.SetTestCost(password.TestCost)
	}
	os.Exit(m.Run())
}
