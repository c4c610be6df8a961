package main_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/internal/cli"
	"github.com/ck8sargo/ck8sargo/internal/testenv/fixture"
)

// The leak test (issue 19 §5): unique values are planted in every kind of secret input,
// every command runs on success and on error, and what it leaves behind is searched for
// them: stdout, stderr, every file written or changed under the test's root (which holds
// TMPDIR, XDG_CACHE_HOME with the chart cache, XDG_DATA_HOME with the backups, HOME with
// kubectl's discovery cache, and the repository), and new entries of /dev/shm. A value may
// appear only where the command exists to put it (secrets decrypt's stdout, the Secret that
// key-secret -o yaml prints, a key that keygen writes 0600, ...), and the case says so.

// needle is one form of a planted secret to search for.
type needle struct {
	kind string // the secret input it comes from, as leakRun.allow names it
	form string // raw, base64, key line, ...
	text string
	fold bool // match case-insensitively (raw text; base64 is case-sensitive)
}

// leakRun is one command line of a case.
type leakRun struct {
	name  string
	args  []string
	stdin string
	dir   string   // working directory (default: the repository)
	env   []string // added to the world's environment
	// want is the exit code; -1 is any failure, anyExit any code (the error paths).
	want int
	// allow lists the kinds of secret that stdout holds by design.
	allow []string
	// secretFiles are written with secrets by design: they must be 0600 and are not searched.
	secretFiles []string
	// prepare runs before the snapshot (copies of inputs the command rewrites).
	prepare func(t *testing.T)
	// check runs after the search, for what only the case knows (a key keygen made).
	check func(t *testing.T, r result)
}

// leakCase covers one runnable command: its runs, built from the world. A command that
// takes no secret input has a reason in leakExempt instead.
type leakCase struct {
	runs func(w *leakWorld) []leakRun
}

// leakExempt are the commands that read no secret input at all: no file, cluster,
// environment variable or key that could hold one.
var leakExempt = map[string]string{
	"version":               "prints the build's version; reads no file, environment or cluster",
	"completion bash":       "prints the shell completion script; reads nothing",
	"completion fish":       "prints the shell completion script; reads nothing",
	"completion powershell": "prints the shell completion script; reads nothing",
	"completion zsh":        "prints the shell completion script; reads nothing",
	"docs":                  "writes the command reference from the command tree; reads nothing else",
	"policy rules":          "prints the built-in rule catalogue; reads no file or cluster",
	"secrets vals-ref":      "prints a vals reference built from its PATH and KEY arguments only",
}

func TestLeakEveryCommandHasACase(t *testing.T) {
	cases := leakCases()
	tree := runnableCommands()
	for _, path := range tree {
		_, ok := cases[path]
		_, exempt := leakExempt[path]
		assert.True(t, ok != exempt, "command %q: give it a case in leakCases (cmd/kubectl-ck8sargo/leak_test.go), or a reason in leakExempt if it takes no secret input", path)
	}
	for path := range cases {
		assert.Contains(t, tree, path, "leak case for a command that does not exist")
	}
	for path := range leakExempt {
		assert.Contains(t, tree, path, "leak exemption for a command that does not exist")
	}
}

// runnableCommands lists every command of the tree that does something, hidden ones
// included, as "group sub".
func runnableCommands() []string {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	var out []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.HasSubCommands() || !c.Runnable() || c.Name() == "help" {
			return
		}
		out = append(out, strings.TrimPrefix(c.CommandPath(), "kubectl ck8sargo "))
	}
	walk(cli.NewRootCmd(streams))
	sort.Strings(out)
	return out
}

// commandOf finds the command at path in a fresh tree.
func commandOf(t *testing.T, path string) *cobra.Command {
	t.Helper()
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	c, _, err := cli.NewRootCmd(streams).Find(strings.Fields(path))
	require.NoError(t, err)
	return c
}

// verboseFlag is -v or --verbose where the command has one: the error paths run with it.
func verboseFlag(t *testing.T, path string) []string {
	c := commandOf(t, path)
	if f := c.Flags().ShorthandLookup("v"); f != nil {
		return []string{"-v"}
	}
	if c.Flags().Lookup("verbose") != nil {
		return []string{"--verbose"}
	}
	return nil
}

// The search itself: a value is found raw, in any case, and inside base64 text at each
// offset, and a private key file by the lines only it has.
func TestLeakNeedlesFindAValueRawAndInsideBase64AtAnyOffset(t *testing.T) {
	w := &leakWorld{marks: map[string]string{}}
	v := w.mark("probe")
	for prefix := range 5 {
		text := strings.Repeat("x", prefix) + v + "tail"
		enc := base64.StdEncoding.EncodeToString([]byte(text))
		assert.NotEmpty(t, w.hits([]byte("data: "+enc+"\n"), nil), "base64 with %d bytes before", prefix)
		assert.Empty(t, w.hits([]byte("data: "+enc+"\n"), []string{"probe"}), "an allowed kind is not a hit")
	}
	assert.NotEmpty(t, w.hits([]byte("msg: "+strings.ToUpper(v)), nil), "raw, another case")
	assert.Empty(t, w.hits([]byte("msg: "+v[:len(v)-1]), nil), "a prefix of the value is not a hit")

	dir := t.TempDir()
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	key := filepath.Join(dir, "key.txt")
	require.NoError(t, os.WriteFile(key, []byte("# public key: "+id.Recipient().String()+"\n"+id.String()+"\n"), 0o600))
	w.addKeyFile("key", key, "")
	assert.NotEmpty(t, w.hits([]byte("oops "+strings.ToLower(id.String())), nil))
	assert.NotEmpty(t, w.hits([]byte(base64.StdEncoding.EncodeToString(must(os.ReadFile(key)))), nil), "the file base64-encoded, as a Secret holds it")
	assert.Empty(t, w.hits([]byte(id.Recipient().String()), nil), "the public key is no hit")
}

func TestLeakNoCommandLeaksAPlantedSecret(t *testing.T) {
	requireLeakEnv(t)
	start := time.Now()
	w := newLeakWorld(t)
	cases := leakCases()
	paths := make([]string, 0, len(cases))
	for p := range cases {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	runs := 0
	for _, path := range paths {
		t.Run(strings.ReplaceAll(path, " ", "_"), func(t *testing.T) {
			rs := cases[path].runs(w)
			require.NotEmpty(t, rs)
			sawError := false
			for _, r := range rs {
				if r.want != 0 && r.want != 1 {
					sawError = true
					r.args = append(r.args, verboseFlag(t, path)...)
				}
				w.run(t, path, r)
				runs++
			}
			assert.True(t, sawError, "every case runs its command on an error path too")
		})
	}
	t.Logf("%d commands, %d runs, %d planted values in %d forms, %s", len(cases), runs, len(w.kinds()), len(w.needles), time.Since(start).Round(time.Millisecond))
}

func requireLeakEnv(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the test control plane; run without -short")
	}
	require.NotNil(t, env, "the test control plane is not running")
}

// leakWorld is the one fixture every case runs in.
type leakWorld struct {
	root, repo, tmp string
	base            []string // the environment of every run
	needles         []needle
	marks           map[string]string // kind -> planted value
	files           map[string]string // named input files
	vals            map[string]string // other named values (URLs, backup name, ...)
	shmBefore       map[string]bool

	hookMu   sync.Mutex
	hookAuth []string // the Authorization headers the notifications webhook received
}

// mark plants a fresh value for kind: random per run, so that a hit can only be a leak.
func (w *leakWorld) mark(kind string) string {
	if v, ok := w.marks[kind]; ok {
		return v
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	v := "lk" + strings.ReplaceAll(kind, "-", "") + "Q" + hex.EncodeToString(b)
	w.marks[kind] = v
	w.addValue(kind, v)
	return v
}

// addValue searches for v raw and base64-encoded, at each of the three alignments it can
// have inside a longer base64 text (a Secret's data, a kubeconfig, a JSON []byte).
func (w *leakWorld) addValue(kind, v string) {
	w.needles = append(w.needles, needle{kind: kind, form: "raw", text: v, fold: true})
	for shift := range 3 {
		enc := base64.StdEncoding.EncodeToString(append(bytes.Repeat([]byte{0}, shift), v...))
		// Drop the characters that also encode the padding bytes and the tail whose last
		// group depends on what follows.
		skip := (shift*8 + 5) / 6
		enc = strings.TrimRight(enc, "=")
		if len(enc)-4 > skip+12 {
			w.needles = append(w.needles, needle{kind: kind, form: fmt.Sprintf("base64+%d", shift), text: enc[skip : len(enc)-4]})
		}
	}
}

// addKeyFile searches for a private key file: its whole base64 form and every line that
// only the private file has (the lines its public counterpart shares are public).
func (w *leakWorld) addKeyFile(kind, private, public string) {
	priv, err := os.ReadFile(private)
	if err != nil {
		panic(err)
	}
	var pub []byte
	if public != "" {
		pub, _ = os.ReadFile(public)
	}
	for _, line := range strings.Split(string(priv), "\n") {
		line = strings.TrimSpace(line)
		if len(line) < 40 || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "-----") || bytes.Contains(pub, []byte(line)) {
			continue
		}
		w.needles = append(w.needles, needle{kind: kind, form: "key line", text: line, fold: strings.HasPrefix(line, "AGE-SECRET-KEY-")})
	}
	enc := base64.StdEncoding.EncodeToString(priv)
	w.needles = append(w.needles, needle{kind: kind, form: "base64 of the file", text: enc[len(enc)/3 : len(enc)/3+48]})
}

func (w *leakWorld) kinds() []string {
	var out []string
	for _, n := range w.needles {
		if !slices.Contains(out, n.kind) {
			out = append(out, n.kind)
		}
	}
	return out
}

// hits lists the needles found in text, other than the allowed kinds.
func (w *leakWorld) hits(text []byte, allow []string) []needle {
	var lower []byte
	var out []needle
	for _, n := range w.needles {
		if slices.Contains(allow, n.kind) {
			continue
		}
		hay, find := text, []byte(n.text)
		if n.fold {
			if lower == nil {
				lower = bytes.ToLower(text)
			}
			hay, find = lower, bytes.ToLower(find)
		}
		if bytes.Contains(hay, find) {
			out = append(out, n)
		}
	}
	return out
}

// fileState is what tells a file the run wrote from one it found.
type fileState struct {
	size int64
	mod  time.Time
	mode fs.FileMode
}

func (w *leakWorld) snapshot() map[string]fileState {
	out := map[string]fileState{}
	_ = filepath.WalkDir(w.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeType != 0 {
			return nil
		}
		if info, err := d.Info(); err == nil {
			out[p] = fileState{size: info.Size(), mod: info.ModTime(), mode: info.Mode()}
		}
		return nil
	})
	return out
}

func shmEntries() map[string]bool {
	out := map[string]bool{}
	entries, _ := os.ReadDir("/dev/shm")
	for _, e := range entries {
		out[filepath.Join("/dev/shm", e.Name())] = true
	}
	return out
}

// contents is the file's text to search: gzip streams (backup archives, chart archives)
// are searched decompressed too, and a tar inside them entry by entry.
func contents(p string) []byte {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil
	}
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
			plain, _ := io.ReadAll(io.LimitReader(zr, 64<<20))
			data = append(data, plain...)
			tr := tar.NewReader(bytes.NewReader(plain))
			for {
				if _, err := tr.Next(); err != nil {
					break
				}
				entry, _ := io.ReadAll(io.LimitReader(tr, 64<<20))
				data = append(data, entry...)
			}
		}
	}
	return data
}

func describe(ns []needle) string {
	var parts []string
	for _, n := range ns {
		parts = append(parts, n.kind+" ("+n.form+")")
	}
	return strings.Join(parts, ", ")
}

// run runs one command line of the plugin and searches everything it left.
func (w *leakWorld) run(t *testing.T, path string, r leakRun) {
	t.Helper()
	if r.prepare != nil {
		r.prepare(t)
	}
	before := w.snapshot()
	shm := shmEntries()
	args := append(strings.Fields(path), r.args...)
	cmd := exec.Command(plugin, args...)
	cmd.Dir = r.dir
	if cmd.Dir == "" {
		cmd.Dir = w.repo
	}
	cmd.Env = append(slices.Clone(w.base), r.env...)
	cmd.Stdin = strings.NewReader(r.stdin)
	res := fixture.Run(t, cmd)
	line := fmt.Sprintf("%s [%s]", strings.Join(args, " "), r.name)
	switch r.want {
	case anyExit:
	case -1:
		assert.NotEqual(t, 0, res.Code, "%s: the error path must fail; stdout: %s", line, res.Stdout)
	default:
		assert.Equal(t, r.want, res.Code, "%s: exit code; stderr: %s", line, res.Stderr)
	}
	if h := w.hits([]byte(res.Stdout), r.allow); len(h) > 0 {
		t.Errorf("LEAK %s: stdout holds %s:\n%s", line, describe(h), res.Stdout)
	}
	if h := w.hits([]byte(res.Stderr), nil); len(h) > 0 {
		t.Errorf("LEAK %s: stderr holds %s:\n%s", line, describe(h), res.Stderr)
	}
	for p, st := range w.snapshot() {
		if old, ok := before[p]; ok && old == st {
			continue
		}
		if slices.Contains(r.secretFiles, p) {
			assert.Equal(t, fs.FileMode(0o600), st.mode.Perm(), "%s: %s holds secrets and must be 0600", line, p)
			continue
		}
		if strings.HasPrefix(p, w.files["gnupghome"]) {
			continue // gpg's own keyring: the private key is there by design
		}
		if h := w.hits(contents(p), nil); len(h) > 0 {
			t.Errorf("LEAK %s: the file it wrote %s holds %s", line, p, describe(h))
		}
	}
	for p := range shmEntries() {
		if shm[p] || w.shmBefore[p] {
			continue
		}
		t.Errorf("%s: left %s in /dev/shm", line, p)
		_ = filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if h := w.hits(contents(f), nil); len(h) > 0 {
					t.Errorf("LEAK %s: %s holds %s", line, f, describe(h))
				}
			}
			return nil
		})
	}
	if r.check != nil {
		r.check(t, res)
	}
}
