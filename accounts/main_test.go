package accounts

import (
	"os"
	"testing"

	"pasched/password"
)

// TestMain hashes passwords at argon2id's cheapest cost (password.TestCost)
// so that creating users and logging in costs microseconds, not ~25 ms of
// CPU and 19 MiB each (much more under the race detector). The password
// package's own tests, and api's TestRegister, keep the production cost.
func TestMain(m *testing.M) {
	password.SetTestCost(password.TestCost)
	os.Exit(m.Run())
}
