package scan_test

import (
	"bufio"
	"context"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/secrets/scan"
)

// corpusFalsePositives pins the false positives of the labelled corpus: a change that adds
// one (or removes one) must update it, and say so. The checksum annotation is gitleaks'
// generic-api-key rule meeting a hex digest under a key named secret; gitleaks reports it
// too, and ck8sargo:allow or secrets.scan.allow lets it pass.
var corpusFalsePositives = []string{
	"charts/shop/values-checksums.yaml: credential generic-api-key",
}

// corpusMisses pins the misses outside the categories that must have none.
var corpusMisses = []string{}

// TestScan_labelledCorpus scans testdata/corpus, a repository shaped like real ones
// (Kubernetes Secrets in every form, sops files of each format encrypted by the sops CLI and
// spoiled by hand, sealed secrets, Helm templates, kustomizations, .env and values files,
// docs naming key markers, fake cloud keys and tokens, clean manifests), against the labels
// of testdata/corpus.tsv. Kubernetes Secrets and sops files must have no miss; the false
// positives are reported and pinned.
func TestScan_labelledCorpus(t *testing.T) {
	type label struct{ category, expected string }
	labels := map[string]label{}
	f, err := os.Open("testdata/corpus.tsv")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") || sc.Text() == "" {
			continue
		}
		fields := strings.Split(sc.Text(), "\t")
		require.Len(t, fields, 3, sc.Text())
		require.Contains(t, []string{"secret", "clean"}, fields[2], sc.Text())
		labels[fields[0]] = label{fields[1], fields[2]}
	}
	require.NoError(t, sc.Err())
	require.GreaterOrEqual(t, len(labels), 60, "the corpus has at least 60 labelled files")

	res, err := scan.Scan(context.Background(), os.DirFS("testdata/corpus"), ".")
	require.NoError(t, err)
	flagged := map[string][]string{}
	for _, f := range res.Findings {
		_, ok := labels[f.File]
		require.True(t, ok, "%s has a finding but no label: %s", f.File, f)
		flagged[f.File] = append(flagged[f.File], string(f.Check)+" "+f.Rule)
	}
	var misses, mustNotMiss, falsePositives []string
	perCategory := map[string][2]int{} // found, labelled secret
	for file, l := range labels {
		_, hit := flagged[file]
		c := perCategory[l.category]
		switch {
		case l.expected == "secret":
			c[1]++
			if hit {
				c[0]++
			} else if l.category == "k8s-secret" || l.category == "sops" {
				mustNotMiss = append(mustNotMiss, file)
			} else {
				misses = append(misses, file)
			}
		case hit:
			falsePositives = append(falsePositives, file+": "+strings.Join(flagged[file], ", "))
		}
		perCategory[l.category] = c
	}
	sort.Strings(misses)
	sort.Strings(falsePositives)
	for cat, c := range perCategory {
		t.Logf("corpus %-11s %d of %d secret files found", cat, c[0], c[1])
	}
	t.Logf("corpus: %d files labelled, %d findings, %d misses on Kubernetes Secrets and sops files, %d other misses, %d false positives",
		len(labels), len(res.Findings), len(mustNotMiss), len(misses), len(falsePositives))
	assert.Empty(t, mustNotMiss, "Kubernetes Secrets and sops files must all be found")
	assert.Equal(t, corpusMisses, append([]string{}, misses...), "misses changed: update corpusMisses")
	assert.Equal(t, corpusFalsePositives, append([]string{}, falsePositives...), "false positives changed: update corpusFalsePositives")
}
