package doctor_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/doctor"
	"github.com/ck8sargo/ck8sargo/policy"
)

// The rules pass the policy registry's validation, so the report writers may take them.
func TestRulesAreValidPolicyRules(t *testing.T) {
	rules := doctor.Rules()
	_, err := policy.NewRegistry(rules...)
	require.NoError(t, err)
	for _, r := range rules {
		assert.Nil(t, r.Check, "rule %s: the checks find, the rules only describe", r.ID)
		assert.NotContains(t, r.Remediation, "--", "rule %s names no flag", r.ID)
		assert.NotContains(t, r.Remediation, "kubectl", "rule %s names no command", r.ID)
	}
	rules[0].Title = "changed"
	assert.NotEqual(t, "changed", doctor.Rules()[0].Title, "Rules returns a copy")
}

// Every rule ID a check emits has its rule, and every rule is emitted by some check. The
// IDs are read from the package's source, so that a check added or changed without its
// rule fails here rather than printing a finding no report describes.
func TestEveryEmittedRuleIDHasARule(t *testing.T) {
	emitted := emittedRuleIDs(t)
	require.NotEmpty(t, emitted)
	known := map[string]bool{}
	for _, r := range doctor.Rules() {
		known[r.ID] = true
		assert.True(t, emitted[r.ID], "rule %s is emitted by no check", r.ID)
	}
	for id := range emitted {
		assert.True(t, known[id], "rule ID %s is emitted but not in doctor.Rules", id)
	}
}

// emittedRuleIDs collects, from the package's non-test sources, the rule IDs given as a
// Finding's or Fix's Rule field, assigned to a Rule field, or passed as the rule argument
// of the helpers that take one (platformSecret, labelFix). Constants are resolved; the
// helpers' own rule parameter is skipped, its callers are collected instead.
func emittedRuleIDs(t *testing.T) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var parsed []*ast.File
	consts := map[string]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		parsed = append(parsed, f)
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[n.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	ids := map[string]bool{}
	add := func(e ast.Expr) {
		switch v := e.(type) {
		case *ast.BasicLit:
			s, err := strconv.Unquote(v.Value)
			require.NoError(t, err)
			ids[s] = true
		case *ast.Ident:
			if v.Name == "rule" {
				return
			}
			s, ok := consts[v.Name]
			require.True(t, ok, "%s: rule ID %s is not a string constant", fset.Position(v.Pos()), v.Name)
			ids[s] = true
		default:
			t.Errorf("%s: rule ID is neither a literal nor a constant", fset.Position(e.Pos()))
		}
	}
	for _, f := range parsed {
		ast.Inspect(f, func(n ast.Node) bool {
			switch v := n.(type) {
			case *ast.KeyValueExpr:
				if k, ok := v.Key.(*ast.Ident); ok && k.Name == "Rule" {
					add(v.Value)
				}
			case *ast.AssignStmt:
				for i, l := range v.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok && sel.Sel.Name == "Rule" && i < len(v.Rhs) {
						add(v.Rhs[i])
					}
				}
			case *ast.CallExpr:
				var name string
				switch fn := v.Fun.(type) {
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				case *ast.Ident:
					name = fn.Name
				}
				if (name == "platformSecret" || name == "labelFix") && len(v.Args) > 1 {
					add(v.Args[1])
				}
			}
			return true
		})
	}
	return ids
}
