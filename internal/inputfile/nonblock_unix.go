//go:build unix

package inputfile

import "syscall"

// oNonblock keeps open from blocking on a FIFO that replaced the file after Check.
const oNonblock = syscall.O_NONBLOCK
