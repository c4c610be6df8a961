package main

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signalCancels sends sig to the test process and returns the interruption that cancelled
// ctx; it fails the test when ctx is not cancelled within 5 s, or by something else.
func signalCancels(t *testing.T, ctx context.Context, sig syscall.Signal, what string) *interrupted {
	t.Helper()
	require.NoError(t, syscall.Kill(syscall.Getpid(), sig))
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal(what + " did not cancel the context")
	}
	var in *interrupted
	require.True(t, errors.As(context.Cause(ctx), &in))
	return in
}

func TestTheFirstInterruptCancelsAndTheSecondExitsAtOnce(t *testing.T) {
	exited := make(chan int, 1)
	ctx, stop := onInterrupt(context.Background(), func(code int) { exited <- code })
	defer stop()

	in := signalCancels(t, ctx, syscall.SIGINT, "the first SIGINT")
	assert.Equal(t, 130, in.exitCode())
	assert.Equal(t, "interrupted by Ctrl-C (SIGINT)", in.Error())
	assert.Empty(t, exited, "one interrupt lets the command clean up")

	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGINT))
	select {
	case code := <-exited:
		assert.Equal(t, 130, code)
	case <-time.After(5 * time.Second):
		t.Fatal("the second SIGINT did not exit")
	}
}

func TestSIGTERMExitsWith143(t *testing.T) {
	ctx, stop := onInterrupt(context.Background(), func(int) {})
	defer stop()
	in := signalCancels(t, ctx, syscall.SIGTERM, "SIGTERM")
	assert.Equal(t, 143, in.exitCode())
}
