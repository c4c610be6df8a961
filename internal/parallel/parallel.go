// Package parallel runs independent pieces of work on a bounded number of goroutines, for
// the admission chain and the policy checker, which both fan work out over the CPUs.
package parallel

import (
	"context"
	"sync"
)

// Run runs fn(0..n-1) on up to workers goroutines and returns when every started call has
// returned. It starts no more calls once ctx is done. With one worker or fewer it runs the
// calls in order on the calling goroutine.
func Run(ctx context.Context, n, workers int, fn func(i int)) {
	workers = min(workers, n)
	if workers <= 1 {
		for i := 0; i < n && ctx.Err() == nil; i++ {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}
