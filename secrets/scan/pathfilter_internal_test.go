package scan

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zricethezav/gitleaks/v8/config"
)

func TestNeededStrings(t *testing.T) {
	tests := []struct {
		expr string
		want []string // nil: none found
	}{
		{`gitleaks\.toml`, []string{"gitleaks.toml"}},
		{`(?:^|/)node_modules(?:/.*)?$`, []string{"node_modules", "/node_modules"}},
		{`(?i)\.(?:bmp|gif|jpe?g)$`, []string{".bmp", ".gif", ".jpg", ".jpeg"}},
		{`(?:^|/)gradlew(?:\.bat)?$`, []string{"gradlew", "gradlew.bat", "/gradlew", "/gradlew.bat"}},
		{`(?i)(?:^|/)[a-z0-9_.]+-[0-9.]+\.dist-info(?:/.+)?$`, []string{".dist-info"}},
		{`(?i)\.(?:docx?|.dll|exe)$`, []string{".doc", ".docx", "dll", ".exe"}},
		{`GO\.mod`, []string{"go.mod"}},
		{`.*`, nil},
		{`a*b*`, nil},
		{`x|.*`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			re, err := syntax.Parse(tt.expr, syntax.Perl)
			require.NoError(t, err)
			got, ok := neededStrings(re.Simplify())
			if tt.want == nil {
				assert.False(t, ok, "%q", got)
				return
			}
			require.True(t, ok)
			slices.Sort(got)
			slices.Sort(tt.want)
			assert.Equal(t, tt.want, slices.Compact(got))
		})
	}
}

// TestPathFilterAgreesWithTheAllowlists checks the filter of gitleaks' global path
// allowlists against the allowlists themselves, on paths each expression lets pass (in
// other case too, as the allowlists join their expressions and a (?i) of one reaches the
// next) and paths of a GitOps repository, which the filter must answer without them.
func TestPathFilterAgreesWithTheAllowlists(t *testing.T) {
	d, err := detector()
	require.NoError(t, err)
	allowlists := d.paths.allowlists
	require.NotEmpty(t, allowlists)
	require.NotNil(t, d.paths.needed, "every expression of gitleaks' global allowlist needs some string")
	exact := func(p string) bool {
		return slices.ContainsFunc(allowlists, func(a *config.Allowlist) bool { return a.PathAllowed(p) })
	}
	allowed := []string{
		"gitleaks.toml", "img/logo.PNG", "fonts/a.woff2", "docs/spec.pdf", "go.sum", "go.work.sum",
		"vendor/modules.txt", "vendor/k8s.io/api/core/v1/types.go", "gradlew", "gradlew.bat", "x/gradle.lockfile",
		"mvnw.cmd", ".mvn/wrapper/MavenWrapperDownloader.java", "web/node_modules/left-pad/index.js",
		"yarn.lock", "a/package-lock.json", "bower_components/x.js", "static/jquery-3.1.min.js",
		"swagger-ui.js.map", "javascript.json", "Pipfile.lock", "poetry.lock", "venv/lib/python3.12/site.py",
		"lib64/python3.11/os.py", "requests-2.31.0.dist-info/METADATA", "vendor/bundle/ruby/x.rb", "x.gem",
		"gradle/verification-metadata.xml", "db/Database.refactorlog", "sub/.git", "a.Xdll",
		"NODE_MODULES/x", "Vendor/Modules.TXT", "Venv/Lib/x", "GO.SUM",
	}
	passed := []string{
		"apps/team3/deploy-1234.yaml", "charts/c12/templates/deployment-4567.yaml", "charts/c1/values.yaml",
		"charts/c1/secrets.yaml", "docs/team9/README-9999.md", "overlays/o7/kustomization.yaml",
		"argocd/app-7.yaml", ".sops.yaml", ".env", "base/secret.yaml", "apps/ingress.yml", "Chart.yaml",
	}
	unicode := []string{"node_moduleſ/x", "x/\u212Aey.pdf", "apps/naïve.yaml"}
	for _, p := range slices.Concat(allowed, passed, unicode) {
		assert.Equal(t, exact(p), d.paths.allowed(p), p)
	}
	for _, p := range allowed {
		assert.True(t, exact(p), "%s: the allowlist lets it pass", p)
	}
	for _, p := range passed {
		assert.Nil(t, d.paths.needed.MatchFirstString(strings.ToLower(p)), "%s: the filter answers without the expressions", p)
	}
}

// TestRuleNeedsHoldOnMatches checks the strings each gitleaks rule's expression needs
// against the expression itself: on every file of the labelled corpus and the lines of
// each, where the expression matches, one of the strings is there.
func TestRuleNeedsHoldOnMatches(t *testing.T) {
	d, err := detector()
	require.NoError(t, err)
	var texts []string
	require.NoError(t, filepath.WalkDir("testdata/corpus", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		texts = append(texts, string(data))
		texts = append(texts, strings.Split(string(data), "\n")...)
		return err
	}))
	matched := 0
	for _, set := range []*ruleSet{d.specific, d.generic} {
		require.NotEmpty(t, set.needs)
		for id, need := range set.needs {
			re := set.rules[id].Regex
			for _, text := range texts {
				if !isASCII(text) || !re.MatchString(text) {
					continue
				}
				matched++
				for _, set := range need() {
					assert.NotNil(t, set.MatchFirstString(strings.ToLower(text)), "%s matches %q", id, text)
				}
			}
		}
	}
	t.Logf("needs of %d and %d rules, %d matches", len(d.specific.needs), len(d.generic.needs), matched)
	assert.Greater(t, matched, 20, "the corpus has matches of many rules")
}
