//go:build unix

package scan_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) this process has used: on a machine shared
// with other work, wall time says little about the scan's own cost.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
