package diff_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/render/diff"
)

// chromium finds the headless browser for the HTML checks. The tests skip without it,
// unless CK8SARGO_REQUIRE_CHROMIUM is set (CI installs Debian's chromium,
// .ci/packages.d/render-html.txt), when its absence fails them.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CK8SARGO_REQUIRE_CHROMIUM") != "" {
		t.Fatal("chromium is not installed and CK8SARGO_REQUIRE_CHROMIUM is set: apt-get install chromium")
	}
	t.Skip("chromium is not installed (apt-get install chromium; set CK8SARGO_REQUIRE_CHROMIUM to make this a failure)")
	return ""
}

// runChromium runs headless Chromium on url with the extra arguments and returns its
// standard output.
func runChromium(t *testing.T, browser, url string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
		"--disable-extensions", "--disable-background-networking", "--user-data-dir=" + t.TempDir()}, args...)
	cmd := exec.CommandContext(ctx, browser, append(all, url)...)
	cmd.Dir = t.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "chromium: %s", stderr.String())
	return out
}

// TestHTMLReportInHeadlessChromium loads the html report, with a hostile value in a
// changed resource, in headless Chromium from a loopback server that records every
// request. The page must be self-contained (the browser asks for nothing but the page
// and its favicon), the DOM the browser builds must hold the summary, one section per
// Application and one block per resource change, no element from the hostile value, no
// Secret value; and the page must paint (a screenshot that is not blank).
func TestHTMLReportInHeadlessChromium(t *testing.T) {
	browser := chromium(t)
	base, head := results(t)
	hostile := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hostile, namespace: shop}\ndata: {x: \"</pre><script>document.title='pwned'</script><img src=http://127.0.0.1:1/x>\"}\n"
	head.Applications[2].Objects = append(head.Applications[2].Objects, obj(t, hostile))
	rep := diff.Compare(base, head, diff.Options{Context: 3, BaseLabel: "origin/main", HeadLabel: "working tree"})
	var page bytes.Buffer
	require.NoError(t, diff.Write(&page, "html", rep, diff.WriteOptions{}))

	var mu sync.Mutex
	var requested []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requested = append(requested, r.URL.Path)
		mu.Unlock()
		if r.URL.Path != "/report.html" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page.Bytes())
	}))
	defer srv.Close()

	dom := string(runChromium(t, browser, srv.URL+"/report.html", "--dump-dom"))
	shot := filepath.Join(t.TempDir(), "report.png")
	runChromium(t, browser, srv.URL+"/report.html", "--screenshot="+shot, "--window-size=1200,900")

	mu.Lock()
	others := slices.DeleteFunc(slices.Clone(requested), func(p string) bool { return p == "/report.html" || p == "/favicon.ico" })
	mu.Unlock()
	assert.Empty(t, others, "the page loads nothing else")

	assert.Contains(t, dom, "<title>ck8sargo diff: origin/main → working tree</title>", "the hostile value did not change the title")
	assert.Contains(t, dom, `<p id="summary"><strong>`+headlineOf(rep))
	sections := regexp.MustCompile(`<section class="application change-(\w+)" id="[^"]+" data-application="([^"]+)">`).FindAllStringSubmatch(dom, -1)
	var apps []string
	for _, s := range sections {
		apps = append(apps, s[2]+" "+s[1])
	}
	var want []string
	resources := 0
	for _, a := range rep.Applications {
		want = append(want, a.Key()+" "+string(a.Change))
		resources += len(a.Resources)
	}
	assert.Equal(t, want, apps, "one section per Application, in the report's order")
	assert.Len(t, regexp.MustCompile(`<details class="resource change-\w+" data-resource="[^"]+" open="">`).FindAllString(dom, -1), resources)
	assert.NotContains(t, dom, "<script", "the hostile value is text, not an element")
	assert.NotContains(t, dom, "<img")
	assert.Contains(t, dom, "&lt;/pre&gt;&lt;script&gt;document.title='pwned'&lt;/script&gt;")
	for _, m := range []string{markerOld, markerNew, markerKept, markerGone, markerAdded, markerApplied} {
		assert.NotContains(t, dom, m)
	}

	f, err := os.Open(shot)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	colours := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[r>>8<<16|g>>8<<8|bl>>8] = true
		}
	}
	assert.Greater(t, len(colours), 8, "the page painted text and the coloured diff lines")
}

// headlineOf is the summary the report starts with: the text output's first line after
// its "base -> head: ".
func headlineOf(rep diff.Report) string {
	var buf bytes.Buffer
	_ = diff.Write(&buf, "text", rep, diff.WriteOptions{})
	line, _, _ := strings.Cut(buf.String(), "\n")
	_, summary, _ := strings.Cut(line, ": ")
	return summary
}
