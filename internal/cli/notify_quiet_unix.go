//go:build linux || darwin

package cli

import (
	"os"

	"golang.org/x/sys/unix"
)

// quietStderr points the process's stderr at /dev/null until the returned function is
// called. notifications-engine's webhook client logs every request URL to stderr through
// go-retryablehttp's package-level logger, which cannot be configured, and a webhook URL
// may carry a token taken from the Secret.
func quietStderr() func() {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return func() {}
	}
	saved, err := unix.Dup(int(os.Stderr.Fd()))
	if err != nil {
		null.Close()
		return func() {}
	}
	if err := unix.Dup2(int(null.Fd()), int(os.Stderr.Fd())); err != nil {
		null.Close()
		unix.Close(saved)
		return func() {}
	}
	null.Close()
	return func() {
		_ = unix.Dup2(saved, int(os.Stderr.Fd()))
		unix.Close(saved)
	}
}
