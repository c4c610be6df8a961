package render_test

import (
	"context"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/render"
)

// peakHeap samples the heap until stop is called and returns the highest value seen.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); return peak.Load() }
}

// Runaway templates end within the budget and without eating memory: a huge count is
// refused before it is allocated, a doubling string stops at the output limit, output
// that floods stops at the limit, and a loop that only calls functions stops at the time
// budget.
func TestRunawayHelmTemplatesAreBounded(t *testing.T) {
	cases := map[string]string{
		"huge-until":   "{{ range until 200000000 }}x{{ end }}",
		"empty-until":  "{{ range until 200000000 }}{{ end }}",
		"doubling":     "{{ $s := \"xxxxxxxx\" }}{{ range until 64 }}{{ $s = cat $s $s }}{{ end }}{{ $s }}",
		"flood":        "{{ range until 1000000 }}{{ range until 1000000 }}xxxxxxxxxxxxxxxx{{ end }}{{ end }}",
		"busy":         "{{ range until 1000000 }}{{ range until 1000000 }}{{ $x := add 1 1 }}{{ end }}{{ end }}",
		"repeat":       "{{ repeat 2000000000 \"abcdefgh\" }}",
		"nested-range": "{{ range until 100000 }}{{ range until 100000 }}{{ range until 100 }}{{ end }}{{ end }}{{ end }}",
	}
	root := t.TempDir()
	var apps []render.Manifest
	for name, tpl := range cases {
		writeFiles(t, root, map[string]string{
			name + "/Chart.yaml":        "apiVersion: v2\nname: " + name + "\nversion: 0.1.0\n",
			name + "/templates/cm.yaml": tpl,
		})
		apps = append(apps, app(name, "repoURL: "+testRepo+"\npath: "+name+"\n"))
	}
	const budget = time.Second
	r := renderer(t, root, func(o *render.Options) { o.Timeout = budget })
	for _, m := range apps {
		name := m.Content["metadata"].(map[string]any)["name"].(string)
		t.Run(name, func(t *testing.T) {
			runtime.GC()
			stop := peakHeap()
			start := time.Now()
			res := renderApps(t, r, m)
			took := time.Since(start)
			peak := stop()
			a := find(res, name)
			require.NotNil(t, a)
			require.NotEmpty(t, a.Notes)
			assert.Equal(t, render.NoteRenderFailed, a.Notes[0].Kind, a.Notes[0].Message)
			assert.Less(t, took, budget+2*time.Second, a.Notes[0].Message)
			assert.Less(t, peak, uint64(1<<30), "peak heap %d MiB", peak>>20)
			t.Logf("%s: %v, peak heap %d MiB: %s", name, took.Round(time.Millisecond), peak>>20, a.Notes[0].Message)
		})
	}
}

// A Kustomize remote base on a server that accepts and never answers ends within the
// budget; offline it is a not-rendered note and the server sees no connection.
func TestKustomizeRemoteBaseOnAServerThatNeverAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			defer c.Close() // held open, never written to
		}
	}()
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"overlay/kustomization.yaml": "resources: [http://" + ln.Addr().String() + "/cm.yaml]\n",
	})
	m := app("remote", "repoURL: "+testRepo+"\npath: overlay\n")

	res := renderApps(t, renderer(t, root, func(o *render.Options) { o.Offline = true }), m)
	a := find(res, "remote")
	require.NotEmpty(t, a.Notes)
	assert.Equal(t, render.NoteNotRendered, a.Notes[0].Kind)
	assert.Contains(t, a.Notes[0].Message, "offline")
	assert.Zero(t, conns.Load(), "offline touches no network")

	const budget = time.Second
	start := time.Now()
	res = renderApps(t, renderer(t, root, func(o *render.Options) { o.Timeout = budget }), m)
	assert.Less(t, time.Since(start), budget+2*time.Second)
	a = find(res, "remote")
	require.NotEmpty(t, a.Notes)
	assert.Equal(t, render.NoteRenderFailed, a.Notes[0].Kind)
	assert.Contains(t, a.Notes[0].Message, "exceeded the render time budget of 1s")
	assert.Positive(t, conns.Load())
}

// Cancelling the context ends a render at once, whatever is running.
func TestCancellationEndsARenderAtOnce(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"busy/Chart.yaml":        "apiVersion: v2\nname: busy\nversion: 0.1.0\n",
		"busy/templates/cm.yaml": "{{ range until 1000000 }}{{ range until 1000000 }}{{ $x := add 1 1 }}{{ end }}{{ end }}",
	})
	r := renderer(t, root, func(o *render.Options) { o.Timeout = time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	res, err := r.Render(ctx, []render.Manifest{app("busy", "repoURL: "+testRepo+"\npath: busy\n")})
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 2*time.Second)
	require.NotEmpty(t, find(res, "busy").Notes)
	assert.Contains(t, find(res, "busy").Notes[0].Message, "interrupted")
}

// Output over MaxFileSize is a render-failed note, not objects.
func TestRenderedOutputOverTheSizeLimitIsAFinding(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"big/Chart.yaml":        "apiVersion: v2\nname: big\nversion: 0.1.0\n",
		"big/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n{{- range until 5000 }}\n  k{{ . }}: {{ repeat 100 \"x\" }}\n{{- end }}\n",
	})
	res := renderApps(t, renderer(t, root, func(o *render.Options) { o.MaxFileSize = 64 << 10 }), app("big", "repoURL: "+testRepo+"\npath: big\n"))
	a := find(res, "big")
	require.NotEmpty(t, a.Notes)
	assert.Equal(t, render.NoteRenderFailed, a.Notes[0].Kind)
	assert.Contains(t, a.Notes[0].Message, "limit")
	assert.Empty(t, a.Objects)
}
