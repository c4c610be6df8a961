package render

import (
	"bufio"
	"io"
	"log"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Helm and kustomize print warnings while they render: Helm through the standard log
// package (requirements.yaml in an apiVersion v2 chart, a value that would replace a
// table with a scalar, a dependency condition that is not a boolean), kustomize through
// it too (vars that were never replaced) and straight to os.Stderr (deprecated
// kustomization fields; render rewrites those in memory first, all but vars, which have
// no mechanical rewrite). A library must not print, so while a source renders both are
// redirected and each line becomes a NoteWarning on the Application (a line printed
// twice, once).
//
// The log package's output and os.Stderr belong to the process: what another goroutine
// prints through them while a source renders is taken as the renderer's too. Rendering
// is sequential within a Render call; captures nest, and the newest gets the lines.
var libOut struct {
	mu     sync.Mutex
	active []*outputCapture
	// The log package's settings and os.Stderr from before the first active capture.
	logW      io.Writer
	logFlags  int
	logPrefix string
	stderr    *os.File
	pipeW     *os.File
	drained   chan struct{}
}

// current is the capture that takes the lines. The log package calls the router with
// its own lock held, so the router must not take libOut.mu (captureOutput holds libOut.mu
// while it calls log.SetOutput).
var current atomic.Pointer[outputCapture]

// maxLineLen bounds a captured line; the warnings are short, a runaway print is cut.
const maxLineLen = 500

// outputCapture holds the lines of one capture: those written to os.Stderr and those
// logged apart, because the two arrive by different paths (a pipe read on another
// goroutine, a direct call) and their interleaving is not reliable; stderr's come first.
type outputCapture struct {
	mu       sync.Mutex
	stderr   []string
	logLines []string
}

// logTime is the date and time the log package writes before a line with its default
// flags, should the flags change between captures.
var logTime = regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(\.\d+)? `)

func (c *outputCapture) add(text string, fromStderr bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lines := &c.logLines
	if fromStderr {
		lines = &c.stderr
	}
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(logTime.ReplaceAllString(strings.TrimSpace(l), ""))
		l = strings.TrimSpace(strings.TrimPrefix(l, "#")) // kustomize's "# Warning: ..."
		if len(l) > maxLineLen {
			l = l[:maxLineLen] + "..."
		}
		if l != "" && !slices.Contains(*lines, l) { // Helm coalesces values twice
			*lines = append(*lines, l)
		}
	}
}

type logRouter struct{}

func (logRouter) Write(p []byte) (int, error) {
	if c := current.Load(); c != nil {
		c.add(string(p), false)
	}
	return len(p), nil
}

// captureOutput redirects the log package and os.Stderr until the returned function is
// called; that function returns the lines printed meanwhile (those written to os.Stderr
// first, then those logged), one per line, without the
// log package's timestamp.
func captureOutput() func() []string {
	c := &outputCapture{}
	libOut.mu.Lock()
	if len(libOut.active) == 0 {
		libOut.logW, libOut.logFlags, libOut.logPrefix = log.Writer(), log.Flags(), log.Prefix()
		log.SetOutput(logRouter{})
		log.SetFlags(0)
		log.SetPrefix("")
		if r, w, err := os.Pipe(); err == nil {
			libOut.stderr, libOut.pipeW = os.Stderr, w
			libOut.drained = make(chan struct{})
			os.Stderr = w
			go drain(r, libOut.stderr, libOut.drained)
		}
	}
	libOut.active = append(libOut.active, c)
	current.Store(c)
	libOut.mu.Unlock()
	return func() []string {
		libOut.mu.Lock()
		for i, a := range libOut.active {
			if a == c {
				libOut.active = append(libOut.active[:i], libOut.active[i+1:]...)
				break
			}
		}
		if n := len(libOut.active); n > 0 {
			current.Store(libOut.active[n-1])
		} else {
			log.SetOutput(libOut.logW)
			log.SetFlags(libOut.logFlags)
			log.SetPrefix(libOut.logPrefix)
			if libOut.pipeW != nil {
				os.Stderr = libOut.stderr
				libOut.pipeW.Close()
				<-libOut.drained // every line written before the restore is in
				libOut.pipeW = nil
			}
			current.Store(nil)
		}
		libOut.mu.Unlock()
		c.mu.Lock()
		defer c.mu.Unlock()
		lines := slices.Clone(c.stderr)
		for _, l := range c.logLines {
			if !slices.Contains(lines, l) {
				lines = append(lines, l)
			}
		}
		return lines
	}
}

// drain reads what was written to the stand-in os.Stderr, line by line, into the
// current capture; with none (a renderer abandoned past its time budget still running)
// the line goes to the real standard error.
func drain(r *os.File, stderr *os.File, done chan<- struct{}) {
	defer close(done)
	defer r.Close()
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			if c := current.Load(); c != nil {
				c.add(line, true)
			} else {
				_, _ = stderr.WriteString(line)
			}
		}
		if err != nil {
			return
		}
	}
}

// toolName names what printed a captured line.
func toolName(kind SourceKind) string {
	switch kind {
	case KindHelm:
		return "helm"
	case KindKustomize:
		return "kustomize"
	}
	return "the renderer"
}
