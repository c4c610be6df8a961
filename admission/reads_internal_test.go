package admission

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReviewReadsFindsWhatTheRegoReads checks the analysis that lets one evaluation judge
// every object alike on what a template reads: it must never miss a read.
func TestReviewReadsFindsWhatTheRegoReads(t *testing.T) {
	tests := []struct {
		name string
		rego string
		want [][]string
	}{
		{"labels and parameters only", `package a
violation[{"msg": msg}] {
	required := {l | l := input.parameters.labels[_]}
	provided := {l | input.review.object.metadata.labels[l]}
	count(required - provided) > 0
	msg := "missing"
}`, [][]string{{"object", "metadata", "labels"}}},
		{"a computed key reads all below the constant part", `package a
violation[{"msg": k}] {
	input.review.object.metadata.annotations[k]
	input.review.kind.kind == "Pod"
}`, [][]string{{"kind", "kind"}, {"object", "metadata", "annotations"}}},
		{"a read below another is covered by it", `package a
violation[{"msg": "x"}] {
	input.review.object.metadata.labels.app
	input.review.object.metadata
}`, [][]string{{"object", "metadata"}}},
		{"an import of input reads all below its path", `package a
import input.review.object.spec as spec
violation[{"msg": "x"}] { spec.type == "LoadBalancer" }`, [][]string{{"object", "spec"}}},
		{"only parameters: every object alike", `package a
violation[{"msg": "x"}] { input.parameters.on }`, [][]string{}},
		{"the whole object in a variable", `package a
violation[{"msg": "x"}] { obj := input.review.object; obj.spec.type == "LoadBalancer" }`, nil},
		{"the whole object by a computed key", `package a
violation[{"msg": "x"}] { input.review.object[k] }`, nil},
		{"the whole input", `package a
violation[{"msg": "x"}] { x := input; x.review.object.spec }`, nil},
		{"input replaced with a with", `package a
violation[{"msg": "x"}] { f with input as {} }
f { input.review.object.metadata.name }`, nil},
		{"another input document", `package a
violation[{"msg": "x"}] { input.other.metadata.name }`, nil},
		{"a non-deterministic built-in", `package a
violation[{"msg": "x"}] { input.review.object.metadata.name; time.now_ns() > 0 }`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ast.ParseModuleWithOpts("a.rego", tt.rego, ast.ParserOptions{RegoVersion: ast.RegoV0})
			require.NoError(t, err)
			got := reviewReads([]*ast.Module{m})
			assert.Equal(t, tt.want, got)
			if tt.want == nil {
				assert.Nil(t, got)
			}
		})
	}
}

// TestReviewReadsIncludesTheLibs checks that a read in a library counts.
func TestReviewReadsIncludesTheLibs(t *testing.T) {
	main, err := ast.ParseModuleWithOpts("a.rego", `package a
import data.lib.l
violation[{"msg": "x"}] { l.name }`, ast.ParserOptions{RegoVersion: ast.RegoV0})
	require.NoError(t, err)
	lib, err := ast.ParseModuleWithOpts("l.rego", `package lib.l
name { input.review.object.metadata.name }`, ast.ParserOptions{RegoVersion: ast.RegoV0})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"object", "metadata", "name"}}, reviewReads([]*ast.Module{main, lib}))
}

// TestReadsKeyTellsUndefinedFromNull checks that an absent field and a null one are
// different keys, and that equal reads are equal keys.
func TestReadsKeyTellsUndefinedFromNull(t *testing.T) {
	reads := [][]string{{"object", "metadata", "labels"}}
	term := func(s string) *ast.Term { return ast.MustParseTerm(s) }
	absent := readsKey(reads, term(`{"object": {"metadata": {"name": "a"}}}`))
	null := readsKey(reads, term(`{"object": {"metadata": {"name": "b", "labels": null}}}`))
	a := readsKey(reads, term(`{"object": {"metadata": {"name": "c", "labels": {"app": "x"}}}}`))
	b := readsKey(reads, term(`{"object": {"metadata": {"name": "d", "labels": {"app": "x"}}}}`))
	assert.NotEqual(t, absent, null)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, absent)
}
