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

// maxExactStrings bounds the sets exactStringsMemo builds.
const maxExactStrings = 64

// needMemo holds what exactStringsMemo and neededSets found for the nodes seen so far:
// they ask for the nodes of nodes again, which without it takes exponential time on
// nested expressions.
type needMemo struct {
	exact map[*syntax.Regexp]exactResult
	sets  map[*syntax.Regexp][][]string
}

func newNeedMemo() *needMemo {
	return &needMemo{exact: map[*syntax.Regexp]exactResult{}, sets: map[*syntax.Regexp][][]string{}}
}

// exactResult is what exactStringsMemo gave for a node.
type exactResult struct {
	set []string
	ok  bool
}

// exactStringsMemo returns, in lower case, every ASCII string re matches, when they are
// few; ok is false otherwise. Strings with a character outside ASCII are left out: only
// text in ASCII is filtered.
func exactStringsMemo(re *syntax.Regexp, memo *needMemo) ([]string, bool) {
	if r, ok := memo.exact[re]; ok {
		return r.set, r.ok
	}
	set, ok := exactStringsOf(re, memo)
	memo.exact[re] = exactResult{set, ok}
	return set, ok
}

func exactStringsOf(re *syntax.Regexp, memo *needMemo) (out []string, ok bool) {
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
		var seen [utf8.RuneSelf]bool
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= min(re.Rune[i+1], utf8.RuneSelf-1); r++ {
				c := byte(r)
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				if !seen[c] {
					seen[c] = true
					out = append(out, asciiStrings[c])
				}
				if len(out) > maxExactStrings {
					return nil, false
				}
			}
		}
		return out, true
	case syntax.OpCapture:
		return exactStringsMemo(re.Sub[0], memo)
	case syntax.OpQuest:
		sub, ok := exactStringsMemo(re.Sub[0], memo)
		return append([]string{""}, sub...), ok
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			sub, ok := exactStringsMemo(s, memo)
			if !ok || len(out)+len(sub) > maxExactStrings {
				return nil, false
			}
			out = append(out, sub...)
		}
		return out, true
	case syntax.OpConcat:
		out = []string{""}
		for _, s := range re.Sub {
			sub, ok := exactStringsMemo(s, memo)
			if !ok || len(out)*len(sub) > maxExactStrings {
				return nil, false
			}
			out = cross(out, sub)
		}
		return out, true
	}
	return nil, false
}

// asciiStrings are the strings of one ASCII character, made once.
var asciiStrings = func() (t [utf8.RuneSelf]string) {
	for i := range t {
		t[i] = string(rune(i))
	}
	return t
}()

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
	return bestNeeded(re, newNeedMemo())
}

// neededSets returns sets of strings such that every match of re on an ASCII string holds,
// in lower case, a string of each set: for kubernetes-secret-yaml, "kind:", "secret" and
// "data:". None for an expression such as `.*`; an empty set when re matches no ASCII
// string.
func neededSets(re *syntax.Regexp, memo *needMemo) [][]string {
	if sets, ok := memo.sets[re]; ok {
		return sets
	}
	sets := neededSetsOf(re, memo)
	memo.sets[re] = sets
	return sets
}

func neededSetsOf(re *syntax.Regexp, memo *needMemo) [][]string {
	if set, ok := exactStringsMemo(re, memo); ok {
		if slices.Contains(set, "") {
			return nil
		}
		return [][]string{canonical(set)}
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return neededSets(re.Sub[0], memo)
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return neededSets(re.Sub[0], memo)
		}
	case syntax.OpAlternate:
		// What every branch needs, and one string of the best set of each branch.
		var branches [][][]string
		for _, s := range re.Sub {
			sets := neededSets(s, memo)
			if len(sets) == 0 {
				return nil
			}
			branches = append(branches, sets)
		}
		var out [][]string
		for _, set := range branches[0] {
			if !slices.ContainsFunc(branches[1:], func(sets [][]string) bool {
				return !slices.ContainsFunc(sets, func(o []string) bool { return slices.Equal(o, set) })
			}) {
				out = append(out, set)
			}
		}
		var union []string
		for _, sets := range branches {
			union = append(union, best(sets)...)
		}
		return append(out, canonical(union))
	case syntax.OpConcat:
		// Each run of exact parts (".", then "png": ".png"), and what each other part needs.
		var out [][]string
		run := []string{""}
		for _, s := range re.Sub {
			if sub, ok := exactStringsMemo(s, memo); ok && len(run)*len(sub) <= maxExactStrings {
				run = cross(run, sub)
				continue
			}
			if !slices.Contains(run, "") {
				out = append(out, canonical(run))
			}
			if c, ok := runThenAlternate(run, s, memo); ok {
				out = append(out, canonical(c))
			}
			run = []string{""}
			out = append(out, neededSets(s, memo)...)
		}
		if !slices.Contains(run, "") {
			out = append(out, canonical(run))
		}
		return out
	}
	return nil
}

// bestNeeded is neededStrings with the results for the nodes seen so far.
func bestNeeded(re *syntax.Regexp, memo *needMemo) ([]string, bool) {
	sets := neededSets(re, memo)
	if len(sets) == 0 {
		return nil, false
	}
	return best(sets), true
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

// canonical returns set sorted, without repeats, so that equal sets compare equal.
func canonical(set []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(set)))
}

// runThenAlternate returns strings one of which every match of the exact strings run
// followed by the alternation alt holds: run followed by each exact branch (".docx"), and
// what each other branch needs ("dll" of ".dll"), so that one branch that is not exact
// does not reduce the others to what they need alone ("doc", found in "docs/").
func runThenAlternate(run []string, alt *syntax.Regexp, memo *needMemo) (need []string, ok bool) {
	if alt.Op != syntax.OpAlternate {
		return nil, false
	}
	for _, b := range alt.Sub {
		if sub, ok := exactStringsMemo(b, memo); ok && len(run)*len(sub) <= maxExactStrings && !slices.Contains(cross(run, sub), "") {
			need = append(need, cross(run, sub)...)
			continue
		}
		sub, ok := bestNeeded(b, memo)
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
