package scan

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"

	ahocorasick "github.com/BobuSumisu/aho-corasick"
	"github.com/zricethezav/gitleaks/v8/config"
)

// pathFilter checks gitleaks' global path allowlists (lock files, vendored code, images)
// against a file path as the allowlists do, but first looks for strings one of which each
// of their expressions needs: most paths of a repository hold none, and one pass of a trie
// costs a fraction of the 25 expressions, most of them unanchored (`(?:^|/)node_modules`),
// which Go runs at every position of the path.
type pathFilter struct {
	allowlists []*config.Allowlist
	// needed finds, in a path in lower case, the strings one of which every match of an
	// expression of the allowlists holds (in lower case); nil when an expression has none,
	// and so every path is checked.
	needed *ahocorasick.Trie
}

func newPathFilter(allowlists []*config.Allowlist) *pathFilter {
	f := &pathFilter{allowlists: allowlists}
	var all []string
	for _, a := range allowlists {
		for _, re := range a.Paths {
			// Each expression alone: joined into one, as the allowlist matches them, a
			// (?i) of one may reach those after it, which only folds more case, and these
			// strings are compared in lower case.
			re, err := syntax.Parse(re.String(), syntax.Perl)
			if err != nil {
				return f
			}
			need, ok := neededStrings(re.Simplify())
			if !ok {
				return f
			}
			all = append(all, need...)
		}
	}
	f.needed = ahocorasick.NewTrieBuilder().AddStrings(all).Build()
	return f
}

// allowed says whether an allowlist lets file pass by its path.
func (f *pathFilter) allowed(file string) bool {
	if f.needed != nil && isASCII(file) && f.needed.MatchFirstString(strings.ToLower(file)) == nil {
		// A path outside ASCII is always checked: case folding matches ſ to s and K (the
		// Kelvin sign) to k, which neededStrings, in ASCII lower case, leaves out.
		return false
	}
	return slices.ContainsFunc(f.allowlists, func(a *config.Allowlist) bool { return a.PathAllowed(file) })
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// maxExactStrings bounds the sets exactStrings builds.
const maxExactStrings = 64

// exactStrings returns, in lower case, every ASCII string re matches, when they are few;
// ok is false otherwise. Strings with a character outside ASCII are left out: only paths
// in ASCII are filtered.
func exactStrings(re *syntax.Regexp) (out []string, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		s := string(re.Rune)
		if !isASCII(s) {
			return nil, true
		}
		return []string{strings.ToLower(s)}, true
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return []string{""}, true
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= min(re.Rune[i+1], utf8.RuneSelf-1); r++ {
				if s := strings.ToLower(string(r)); !slices.Contains(out, s) {
					out = append(out, s)
				}
				if len(out) > maxExactStrings {
					return nil, false
				}
			}
		}
		return out, true
	case syntax.OpCapture:
		return exactStrings(re.Sub[0])
	case syntax.OpQuest:
		sub, ok := exactStrings(re.Sub[0])
		return append([]string{""}, sub...), ok
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			sub, ok := exactStrings(s)
			if !ok || len(out)+len(sub) > maxExactStrings {
				return nil, false
			}
			out = append(out, sub...)
		}
		return out, true
	case syntax.OpConcat:
		out = []string{""}
		for _, s := range re.Sub {
			sub, ok := exactStrings(s)
			if !ok || len(out)*len(sub) > maxExactStrings {
				return nil, false
			}
			out = cross(out, sub)
		}
		return out, true
	}
	return nil, false
}

// cross returns every string of a followed by one of b.
func cross(a, b []string) []string {
	var out []string
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out
}

// neededStrings returns strings one of which, in lower case, every match of re on an ASCII
// string holds (an empty list when re matches no ASCII string); ok is false when it finds
// none, as for `.*`. Of the sets neededSets finds, it is the one whose shortest string is
// longest.
func neededStrings(re *syntax.Regexp) (need []string, ok bool) {
	sets := neededSets(re)
	if len(sets) == 0 {
		return nil, false
	}
	return best(sets), true
}

// neededSets returns sets of strings such that every match of re on an ASCII string holds,
// in lower case, a string of each set: for kubernetes-secret-yaml, "kind:", "secret" and
// "data:". None for an expression such as `.*`; an empty set when re matches no ASCII
// string.
func neededSets(re *syntax.Regexp) [][]string {
	if set, ok := exactStrings(re); ok {
		if slices.Contains(set, "") {
			return nil
		}
		return [][]string{set}
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return neededSets(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return neededSets(re.Sub[0])
		}
	case syntax.OpAlternate:
		// What every branch needs, and one string of the best set of each branch.
		var branches [][][]string
		for _, s := range re.Sub {
			sets := neededSets(s)
			if len(sets) == 0 {
				return nil
			}
			branches = append(branches, sets)
		}
		var out [][]string
		for _, set := range branches[0] {
			if !slices.ContainsFunc(branches[1:], func(sets [][]string) bool {
				return !slices.ContainsFunc(sets, func(o []string) bool { return sameStrings(o, set) })
			}) {
				out = append(out, set)
			}
		}
		var union []string
		for _, sets := range branches {
			union = append(union, best(sets)...)
		}
		return append(out, union)
	case syntax.OpConcat:
		// Each run of exact parts (".", then "png": ".png"), and what each other part needs.
		var out [][]string
		run := []string{""}
		for _, s := range re.Sub {
			if sub, ok := exactStrings(s); ok && len(run)*len(sub) <= maxExactStrings {
				run = cross(run, sub)
				continue
			}
			if !slices.Contains(run, "") {
				out = append(out, run)
			}
			if c, ok := runThenAlternate(run, s); ok {
				out = append(out, c)
			}
			run = []string{""}
			out = append(out, neededSets(s)...)
		}
		if !slices.Contains(run, "") {
			out = append(out, run)
		}
		return out
	}
	return nil
}

// best returns the set whose shortest string is longest.
func best(sets [][]string) []string {
	var b []string
	for i, s := range sets {
		if i == 0 || shortest(s) > shortest(b) {
			b = s
		}
	}
	return b
}

// sameStrings says whether a and b hold the same strings.
func sameStrings(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// runThenAlternate returns strings one of which every match of the exact strings run
// followed by the alternation alt holds: run followed by each exact branch (".docx"), and
// what each other branch needs ("dll" of ".dll"), so that one branch that is not exact
// does not reduce the others to what they need alone ("doc", found in "docs/").
func runThenAlternate(run []string, alt *syntax.Regexp) (need []string, ok bool) {
	if alt.Op != syntax.OpAlternate {
		return nil, false
	}
	for _, b := range alt.Sub {
		if sub, ok := exactStrings(b); ok && len(run)*len(sub) <= maxExactStrings && !slices.Contains(cross(run, sub), "") {
			need = append(need, cross(run, sub)...)
			continue
		}
		sub, ok := neededStrings(b)
		if !ok {
			return nil, false
		}
		need = append(need, sub...)
	}
	return need, true
}

// shortest is the length of the shortest string of set; a large number for an empty set,
// which no string matches and so is the best of candidates.
func shortest(set []string) int {
	n := 1 << 30
	for _, s := range set {
		n = min(n, len(s))
	}
	return n
}
