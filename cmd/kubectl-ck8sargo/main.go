// Command kubectl-ck8sargo is the kubectl plugin of ck8sargo: `kubectl ck8sargo ...`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/internal/cli"
)

// interrupted is the cause of the command's context when a signal ended it.
type interrupted struct{ sig os.Signal }

func (i *interrupted) Error() string { return "interrupted by " + signalName(i.sig) }

// exitCode is the shell's convention for a process ended by a signal: 128 + its number.
func (i *interrupted) exitCode() int {
	if s, ok := i.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}

func signalName(s os.Signal) string {
	if s == os.Interrupt {
		return "Ctrl-C (SIGINT)"
	}
	return s.String()
}

// onInterrupt returns a context that the first SIGINT or SIGTERM cancels, with an
// *interrupted cause, so the command stops where it is and cleans up; a second signal is a
// user who will not wait for that, and calls exit with the signal's exit code at once.
// stop ends the handling.
func onInterrupt(parent context.Context, exit func(code int)) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 2)
	done := make(chan struct{})
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		var first *interrupted
		select {
		case s := <-sigs:
			first = &interrupted{sig: s}
			cancel(first)
		case <-done:
			return
		}
		select {
		case <-sigs:
			exit(first.exitCode())
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

func main() {
	ctx, stop := onInterrupt(context.Background(), func(code int) {
		fmt.Fprintln(os.Stderr, "error: interrupted again; exiting at once")
		os.Exit(code)
	})
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	err := cli.NewRootCmd(streams).ExecuteContext(ctx)
	stop()
	code, msg := cli.ExitCode(err)
	var in *interrupted
	if err != nil && errors.As(context.Cause(ctx), &in) {
		// Whatever the command was doing failed because it was stopped; its error
		// ("context canceled", or a request cut short) would only mislead.
		code, msg = in.exitCode(), in.Error()+"; stopped before finishing"
	}
	if msg != "" {
		fmt.Fprintf(os.Stderr, "error: %s\n", msg)
	}
	os.Exit(code)
}
