//go:build !unix

package scan_test

import "time"

// processCPU is not measured here; the benchmark then reports 0 CPU time.
func processCPU() time.Duration { return 0 }
