//go:build !linux

package sqltest

// memDir is not used off Linux: the tests' SQLite files go to t.TempDir().
const memDir = ""

func useMemDir() bool { return false }
