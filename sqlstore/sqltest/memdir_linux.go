package sqltest

import (
	"sync"
	"syscall"
)

// memDir is a RAM-backed directory (a tmpfs) for the tests' SQLite files,
// used when it has at least memDirMinFree bytes free (a container's is
// often 64 MB, too small for a package's databases at once).
const (
	memDir        = "/dev/shm"
	memDirMinFree = 1 << 30
)

var useMemDir = sync.OnceValue(func() bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(memDir, &st); err != nil {
		return false
	}
	return uint64(st.Bavail)*uint64(st.Bsize) >= memDirMinFree
})
