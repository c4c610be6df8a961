package parallel_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ck8sargo/ck8sargo/internal/parallel"
)

func TestRunCallsEveryIndexOnceForAnyWorkerCount(t *testing.T) {
	for _, workers := range []int{-1, 0, 1, 2, 7, 100} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			const n = 50
			var mu sync.Mutex
			seen := map[int]int{}
			parallel.Run(context.Background(), n, workers, func(i int) {
				mu.Lock()
				seen[i]++
				mu.Unlock()
			})
			assert.Len(t, seen, n)
			for i := range n {
				assert.Equal(t, 1, seen[i], "index %d", i)
			}
		})
	}
}

func TestRunWithOneWorkerKeepsOrderOnTheCallingGoroutine(t *testing.T) {
	var order []int
	parallel.Run(context.Background(), 5, 1, func(i int) { order = append(order, i) })
	assert.Equal(t, []int{0, 1, 2, 3, 4}, order)
}

func TestRunStartsNoCallsOnceTheContextIsDone(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			var calls atomic.Int32
			parallel.Run(ctx, 1000, workers, func(i int) {
				if calls.Add(1) == 3 {
					cancel()
				}
			})
			// Calls already handed to a worker finish; no new ones start after cancel.
			assert.Less(t, int(calls.Load()), 3+workers+1)
		})
	}
}

func TestRunWithNothingToDoReturns(t *testing.T) {
	parallel.Run(context.Background(), 0, 4, func(int) { t.Fatal("called with n=0") })
}

func ExampleRun() {
	squares := make([]int, 4)
	parallel.Run(context.Background(), len(squares), 2, func(i int) { squares[i] = i * i })
	fmt.Println(squares)
	// Output: [0 1 4 9]
}
