package cli

import (
	"errors"
	"fmt"

	"github.com/ck8sargo/ck8sargo/internal/oneline"
	"github.com/ck8sargo/ck8sargo/policy"
)

// Exit codes of every command.
const (
	ExitOK       = 0
	ExitFindings = 1 // a check found problems, or a wait timed out
	ExitError    = 2 // bad usage or input, or an error talking to the cluster
)

// exitError carries the exit code of an error. A nil Err exits silently with Code, for
// results whose output has already been printed (findings).
type exitError struct {
	Code int
	Err  error
}

func (e *exitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *exitError) Unwrap() error { return e.Err }

// UsageErrorf is a mistake in the command line: exit code 2.
func UsageErrorf(format string, args ...any) error {
	return &exitError{Code: ExitError, Err: fmt.Errorf(format, args...)}
}

// ProblemsFound ends a command whose printed result is a failed check: exit code 1, with no
// further message.
func ProblemsFound() error { return &exitError{Code: ExitFindings} }

// ExitCode maps an error returned by a command to the process exit code and the one-line
// message to print (empty when nothing should be printed).
func ExitCode(err error) (int, string) {
	if err == nil {
		return ExitOK, ""
	}
	// The hints of argocdmanaged's errors (a missing kubeconfig, profile), for every
	// command; an error a command hinted already is left as it is.
	err = argocdmanagedError(err)
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.Err == nil {
			return ee.Code, ""
		}
		return ee.Code, oneline.Lines(ee.Err.Error())
	}
	if errors.Is(err, policy.ErrFindings) {
		return ExitFindings, ""
	}
	return ExitError, oneline.Lines(err.Error())
}

// rewordedError is a library error as the plugin says it: msg adds the flag or command that
// fixes it (the libraries name none), and the error chain stays for errors.Is and As.
type rewordedError struct {
	msg string
	err error
}

func (e *rewordedError) Error() string { return e.msg }
func (e *rewordedError) Unwrap() error { return e.err }
