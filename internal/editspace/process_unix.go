//go:build unix

package editspace

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// processAlive says whether a process with this PID exists. EPERM means it exists under
// another user; only ESRCH means it is gone. A zombie counts as alive until reaped.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func ownedByMe(info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
