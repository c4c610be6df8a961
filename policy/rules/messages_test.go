package rules_test

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/policy"
)

// findingAt is what the location tests compare: where a finding points and what about.
type findingAt struct {
	File, Object string
	Line         int
}

func locations(fs []policy.Finding) []findingAt {
	out := make([]findingAt, 0, len(fs))
	for _, f := range fs {
		out = append(out, findingAt{File: f.File, Line: f.Line, Object: f.Object.String()})
	}
	return out
}

func TestAnUnmanagedNamespaceIsReportedOnceOnTheApplicationListingWhatItWouldReceive(t *testing.T) {
	rep := checkFixture(t, filepath.Join("testdata", "destination-namespace-not-managed", "fires-example-apps"))
	got := findingsOf(rep, "destination-namespace-not-managed")
	// The guestbook directory's five objects and the chart's two in "payments" are named
	// on their Application, not once each.
	assert.Equal(t, []findingAt{
		{File: "fires-example-apps/apps/guestbook.yaml", Line: 16, Object: "Application argocd-system/guestbook"},
		{File: "fires-example-apps/apps/helm-guestbook.yaml", Line: 3, Object: "Application argocd-system/helm-guestbook"},
	}, locations(got))
	require.Len(t, got, 2)
	assert.Equal(t, `destination namespace "guestbook" is not among the managed namespaces [shop shop-staging]; `+
		`it would receive 5 objects: ConfigMap guestbook-ui-config, ServiceAccount guestbook-ui, NetworkPolicy guestbook-ui and 2 more`, got[0].Message)
	assert.Equal(t, `Application "helm-guestbook" deploys 2 objects into namespace "payments", which is not among the managed namespaces [shop shop-staging]: `+
		`ConfigMap helm-guestbook-dashboard, Secret helm-guestbook-scrape`, got[1].Message)
	assert.Positive(t, rep.Summary.Objects)
}

func TestNamespaceRulesStillReportObjectsThatNoApplicationOfTheInputDeploys(t *testing.T) {
	// A manifest applied by hand (no Application renders it) keeps its own finding.
	rep := checkFixture(t, filepath.Join("testdata", "destination-namespace-not-managed", "fires-object-namespace.yaml"))
	got := findingsOf(rep, "destination-namespace-not-managed")
	require.NotEmpty(t, got)
	for _, f := range got {
		assert.NotEqual(t, argocdmanaged.KindApplication, f.Object.Kind)
		assert.Contains(t, f.Message, "is in namespace")
	}
}

func TestRenderFailedPointsAtTheSourcePathLine(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		want    []findingAt
		message string
	}{
		{
			name:    "a path that does not exist, single source and the second of two sources",
			fixture: "fires-missing-path",
			want: []findingAt{
				{File: "fires-missing-path/apps.yaml", Line: 11, Object: "Application argocd-system/guestbook"},
				{File: "fires-missing-path/apps.yaml", Line: 29, Object: "Application argocd-system/multi"},
			},
			message: `source path "guestbok" does not exist in the repository; Argo CD cannot generate the manifests ("guestbok: app path does not exist")`,
		},
		{
			name:    "an overlay that does not build (flow-style source)",
			fixture: "fires-kustomize-missing-resource",
			want:    []findingAt{{File: "fires-kustomize-missing-resource/apps.yaml", Line: 8, Object: "Application argocd-system/shop"}},
		},
		{
			name:    "a chart whose template fails",
			fixture: "fires-helm-template-error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := checkFixture(t, filepath.Join("testdata", "render-failed", tt.fixture))
			got := findingsOf(rep, "render-failed")
			require.NotEmpty(t, got)
			for _, f := range got {
				assert.Positive(t, f.Line, "a render-failed finding has a line: %+v", f)
			}
			if tt.want != nil {
				assert.Equal(t, tt.want, locations(got))
			}
			if tt.message != "" {
				assert.Equal(t, tt.message, got[0].Message)
				assert.Contains(t, got[1].Message, `source path "overlays/prod" does not exist`)
			}
		})
	}
}

func TestHelmAndKustomizeWarningsAreInfoFindingsAtTheSourcePathLine(t *testing.T) {
	tests := []struct {
		fixture string
		want    []string
	}{
		{"fires-kustomize-vars", []string{
			"fires-kustomize-vars/apps.yaml:11 info kustomize printed: Warning: 'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] Run 'kustomize edit fix' to update your Kustomization automatically.",
		}},
		{"fires-helm-requirements", []string{
			`fires-helm-requirements/apps.yaml:11 info helm printed: Warning: Dependencies are handled in Chart.yaml since apiVersion "v2". We recommend migrating dependencies to Chart.yaml.`,
			"fires-helm-requirements/apps.yaml:11 info helm printed: warning: skipped value for legacy-chart.image: Not a table.",
		}},
		// commonLabels, bases and patchesStrategicMerge are rewritten before kustomize
		// reads them: nothing to report.
		{"passes-deprecated-fields-rewritten", nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			rep := checkFixture(t, filepath.Join("testdata", "render-warning", tt.fixture))
			var got []string
			for _, f := range findingsOf(rep, policy.RuleRenderWarning) {
				got = append(got, f.File+":"+itoa(f.Line)+" "+f.Severity.String()+" "+f.Message)
			}
			assert.Equal(t, tt.want, got)
			assert.Empty(t, findingsOf(rep, policy.RuleRenderFailed))
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
