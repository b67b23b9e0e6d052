package demo_test

import (
	"testing"

	"pasched/password/passwordtest"
)

func TestMain(m *testing.M) { passwordtest.Main(m) }
