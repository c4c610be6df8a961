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

func TestTheFirstInterruptCancelsAndTheSecondExitsAtOnce(t *testing.T) {
	exited := make(chan int, 1)
	ctx, stop := onInterrupt(context.Background(), func(code int) { exited <- code })
	defer stop()

	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGINT))
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the first SIGINT did not cancel the context")
	}
	var in *interrupted
	require.True(t, errors.As(context.Cause(ctx), &in))
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
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGTERM))
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SIGTERM did not cancel the context")
	}
	var in *interrupted
	require.True(t, errors.As(context.Cause(ctx), &in))
	assert.Equal(t, 143, in.exitCode())
}
