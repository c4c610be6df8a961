//go:build !linux && !darwin

package cli

// quietStderr is a no-op where file descriptors cannot be redirected; see the unix version.
func quietStderr() func() { return func() {} }
