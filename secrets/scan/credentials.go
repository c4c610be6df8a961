package scan

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"

	ahocorasick "github.com/BobuSumisu/aho-corasick"
	"github.com/rs/zerolog"
	"github.com/spf13/viper"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/logging"
	gitleaksregexp "github.com/zricethezav/gitleaks/v8/regexp"
	"github.com/zricethezav/gitleaks/v8/report"
	"go.yaml.in/yaml/v3"

	"github.com/ck8sargo/ck8sargo/secrets/internal/yamlnode"
)

// detectors are gitleaks' default rule set (cloud keys, tokens, generic API keys and
// passwords) and ownRules, split in two and prepared once per process: compiling the rules
// takes tens of milliseconds.
type detectors struct {
	// specific holds the rules that know a credential's shape (AKIA..., ghp_...): their
	// keywords are rare, so few of them run on a file.
	specific *ruleSet
	// generic holds the rules that take any assignment to a key named like a credential.
	// Their keywords (key, secret, token) are in most manifests, so they are run only on
	// the lines holding a keyword and the line after each: their regular expressions cost
	// time in proportion to the text they read.
	generic *ruleSet
	// paths checks the global allowlists that let a whole file pass by its path (lock
	// files, vendored code, images), once per file rather than in each detector call,
	// where they took a third of a detector's time on a small file.
	paths *pathFilter
}

// ruleSet is a part of the rule set, run like gitleaks' detector runs it (a rule's regular
// expression only on a fragment holding one of its keywords), but through a detector of
// only the rules whose keywords the fragment holds: gitleaks' detector otherwise goes
// through all 220 rules and their keywords on every call, tens of microseconds a file.
type ruleSet struct {
	// base is the configuration every detector of the set shares: the global allowlists
	// (without the paths of those that detectors.pathAllowlists checks), no rules.
	base  config.Config
	rules map[string]config.Rule
	// byKeyword are the rules of each keyword, in lower case as the trie finds them;
	// always those without keywords, which gitleaks runs on every fragment.
	byKeyword map[string][]string
	always    []string
	trie      *ahocorasick.Trie
	// needs find, for the rules that have them, the sets of strings of which every match
	// of the rule's expression holds one each (neededSets, in lower case; the
	// maxNeededSets best): a rule whose keyword is in the text but not a string of each set
	// (jwt's keyword "ey" is in every "key", its expression needs ".ey" and more;
	// kubernetes-secret-yaml's is "secret", its expression needs "kind:" and "data:" too)
	// cannot match it, and its expression is not run. Each is worked out on the rule's
	// first use: a scan meets few rules, and a process (a pre-commit hook) is short.
	needs map[string]func() []*ahocorasick.Trie
	// detectors are the detectors built, by their rules (sorted, comma-separated). The few
	// sets of keywords of a repository's files give few of them; past maxCachedDetectors a
	// detector is built for the call and dropped.
	mu        sync.Mutex
	detectors map[string]*detect.Detector
}

// maxNeededSets is how many sets of needed strings a rule is checked with: the first, most
// telling, do the work.
const maxNeededSets = 3

// maxCachedDetectors bounds ruleSet.detectors, so that a repository whose every file holds
// other keywords does not grow it without end.
const maxCachedDetectors = 512

func newRuleSet(base config.Config, rules map[string]config.Rule) *ruleSet {
	s := &ruleSet{base: base, rules: rules, byKeyword: map[string][]string{}, detectors: map[string]*detect.Detector{},
		needs: map[string]func() []*ahocorasick.Trie{}}
	for _, id := range slices.Sorted(maps.Keys(rules)) {
		r := rules[id]
		if r.Regex != nil {
			s.needs[id] = sync.OnceValue(func() []*ahocorasick.Trie { return ruleNeeds(r.Regex.String()) })
		}
		if len(r.Keywords) == 0 {
			s.always = append(s.always, id)
		}
		for _, k := range r.Keywords {
			k = strings.ToLower(k)
			if !slices.Contains(s.byKeyword[k], id) {
				s.byKeyword[k] = append(s.byKeyword[k], id)
			}
		}
	}
	s.trie = ahocorasick.NewTrieBuilder().AddStrings(slices.Collect(maps.Keys(s.byKeyword))).Build()
	return s
}

// ruleNeeds returns tries of the maxNeededSets best sets of strings an expression needs.
func ruleNeeds(expr string) []*ahocorasick.Trie {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	var sets [][]string
	for _, set := range neededSets(re.Simplify(), newNeedMemo()) {
		if !slices.ContainsFunc(sets, func(o []string) bool { return slices.Equal(o, set) }) {
			sets = append(sets, set)
		}
	}
	slices.SortStableFunc(sets, func(a, b []string) int { return cmp.Compare(shortest(b), shortest(a)) })
	var out []*ahocorasick.Trie
	for _, set := range sets[:min(len(sets), maxNeededSets)] {
		out = append(out, ahocorasick.NewTrieBuilder().AddStrings(set).Build())
	}
	return out
}

// detect runs on text the rules of keywords (and those without keywords), as gitleaks'
// detector does; all, when keywords is nil.
func (s *ruleSet) detect(file, text string, keywords map[string]bool) []report.Finding {
	ids := slices.Clone(s.always)
	if keywords == nil {
		ids = slices.Collect(maps.Keys(s.rules))
	}
	for k := range keywords {
		ids = append(ids, s.byKeyword[k]...)
	}
	if isASCII(text) {
		// neededStrings leaves out what case folding matches outside ASCII (ſ, K).
		var lower []byte // made once: the trie's string methods copy their input
		ids = slices.DeleteFunc(ids, func(id string) bool {
			needs := s.needs[id]
			if needs == nil {
				return false
			}
			if lower == nil {
				lower = bytes.ToLower([]byte(text))
			}
			return slices.ContainsFunc(needs(), func(t *ahocorasick.Trie) bool { return t.MatchFirst(lower) == nil })
		})
	}
	// A rule that requires others (a composite rule) finds them in its detector.
	for i := 0; i < len(ids); i++ {
		for _, req := range s.rules[ids[i]].RequiredRules {
			if _, ok := s.rules[req.RuleID]; ok && !slices.Contains(ids, req.RuleID) {
				ids = append(ids, req.RuleID)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	key := strings.Join(ids, ",")
	s.mu.Lock()
	d := s.detectors[key]
	s.mu.Unlock()
	if d == nil {
		cfg := s.base
		cfg.Rules, cfg.OrderedRules, cfg.Keywords = map[string]config.Rule{}, ids, map[string]struct{}{}
		for _, id := range ids {
			r := s.rules[id]
			cfg.Rules[id] = r
			for _, k := range r.Keywords {
				cfg.Keywords[strings.ToLower(k)] = struct{}{}
			}
		}
		d = detect.NewDetector(cfg)
		d.MaxDecodeDepth = 0
		s.mu.Lock()
		if len(s.detectors) < maxCachedDetectors {
			s.detectors[key] = d
		}
		s.mu.Unlock()
	}
	//lint:ignore SA1019 sources.Fragment arrives with gitleaks v9; v8's Detect takes this type
	return d.Detect(detect.Fragment{Raw: text, FilePath: file})
}

var detector = sync.OnceValues(func() (*detectors, error) {
	// gitleaks logs to stderr through a package logger; a library must not print.
	logging.Logger = zerolog.Nop()
	v := viper.New()
	v.SetConfigType("toml")
	if err := v.ReadConfig(strings.NewReader(config.DefaultConfig)); err != nil {
		return nil, fmt.Errorf("reading gitleaks' rule set: %w", err)
	}
	var vc config.ViperConfig
	if err := v.Unmarshal(&vc); err != nil {
		return nil, fmt.Errorf("reading gitleaks' rule set: %w", err)
	}
	cfg, err := vc.Translate()
	if err != nil {
		return nil, fmt.Errorf("reading gitleaks' rule set: %w", err)
	}
	for _, r := range ownRules() {
		if err := r.Allowlists[0].Validate(); err != nil {
			return nil, err
		}
		cfg.Rules[r.RuleID] = r
		cfg.OrderedRules = append(cfg.OrderedRules, r.RuleID)
	}
	d := &detectors{}
	var pathAllowlists []*config.Allowlist
	// A detector lets a file pass by the paths of an allowlist whose condition is OR: those
	// paths are checked once per file (Credentials), and the allowlist goes to the
	// detectors without them. AND allowlists need the paths with each finding.
	base := cfg
	base.Rules, base.OrderedRules, base.Keywords, base.Allowlists = nil, nil, nil, nil
	for _, a := range cfg.Allowlists {
		if a.MatchCondition == config.AllowlistMatchAnd || len(a.Paths) == 0 {
			base.Allowlists = append(base.Allowlists, a)
			continue
		}
		pathAllowlists = append(pathAllowlists, a)
		if len(a.Regexes) == 0 && len(a.StopWords) == 0 && len(a.Commits) == 0 {
			continue
		}
		rest := &config.Allowlist{Description: a.Description, MatchCondition: a.MatchCondition, Commits: a.Commits,
			RegexTarget: a.RegexTarget, Regexes: a.Regexes, StopWords: a.StopWords}
		if err := rest.Validate(); err != nil {
			return nil, fmt.Errorf("reading gitleaks' rule set: %w", err)
		}
		base.Allowlists = append(base.Allowlists, rest)
	}
	specific, generic := map[string]config.Rule{}, map[string]config.Rule{}
	for _, id := range cfg.OrderedRules {
		if id == "private-key" || id == "age-secret-key" {
			continue // PrivateKeys' to report, with documentation told apart from keys
		}
		if genericRank(id) > 0 {
			generic[id] = cfg.Rules[id]
		} else {
			specific[id] = cfg.Rules[id]
		}
	}
	d.specific, d.generic = newRuleSet(base, specific), newRuleSet(base, generic)
	d.paths = newPathFilter(pathAllowlists)
	return d, nil
})

// keywordLines returns text with every line blanked (emptied, its newline kept, so that
// line numbers hold) but those where trie finds a keyword (for which keep, given the text
// from the keyword's end to the end of the next line, says yes) and the line after each,
// and the keywords on the lines kept; ok is false when no line is kept. lower is text in
// lower case, of the same length.
func keywordLines(text, lower []byte, trie *ahocorasick.Trie, keep func(kw string, rest []byte) bool) (kept string, keywords map[string]bool, ok bool) {
	matches := trie.Match(lower)
	slices.SortFunc(matches, func(a, b *ahocorasick.Match) int { return cmp.Compare(a.Pos(), b.Pos()) })
	if len(matches) == 0 {
		return "", nil, false
	}
	// keepLine has a line past the last, which the last line's keyword keeps.
	keepLine := make([]bool, bytes.Count(text, []byte("\n"))+2)
	lines := make([]int, len(matches)) // the line of each match
	line, off := 0, 0                  // the line holding text[off], and where it starts
	for i, m := range matches {
		p := int(m.Pos())
		for {
			nl := bytes.IndexByte(text[off:], '\n')
			if nl < 0 || off+nl >= p {
				break
			}
			off += nl + 1
			line++
		}
		lines[i] = line
		if keepLine[line] && keepLine[line+1] {
			continue
		}
		rest := text[p+len(m.Match()):]
		if nl := bytes.IndexByte(rest, '\n'); nl >= 0 {
			if nl2 := bytes.IndexByte(rest[nl+1:], '\n'); nl2 >= 0 {
				rest = rest[:nl+1+nl2]
			}
		}
		if keep == nil || keep(m.MatchString(), rest) {
			keepLine[line], keepLine[line+1] = true, true
		}
	}
	if !slices.Contains(keepLine, true) {
		return "", nil, false
	}
	keywords = map[string]bool{}
	for i, m := range matches {
		if keepLine[lines[i]] {
			keywords[m.MatchString()] = true
		}
	}
	var b strings.Builder
	b.Grow(len(text))
	for i, rest := 0, text; ; i++ {
		l, after, more := bytes.Cut(rest, []byte("\n"))
		if keepLine[i] {
			b.Write(l)
		}
		if !more {
			break
		}
		b.WriteByte('\n')
		rest = after
	}
	return b.String(), keywords, true
}

// assignsValue says whether rest, what follows the keyword kw, can hold an assignment a
// generic rule takes, a necessary condition checked in a fraction of the time the rules'
// regular expressions take: on the keyword's line, an operator (= : > , | ?) then, past quotes, spaces and =, a run
// of characters that are neither space nor quote, of at least 10 (generic-api-key's
// shortest value) or, when the operator follows the keyword within a few word characters
// (ownRules' form), at least 6.
func assignsValue(kw string, rest []byte) bool {
	_, own := ownKeywords[kw]
	for i, c := range rest {
		if c == '\n' || i > 24 {
			// generic-api-key allows 23 characters between keyword and operator, on the line
			return false
		}
		switch c {
		case '=', ':', '>', ',', '|', '?':
		default:
			continue
		}
		j := i + 1
		for j < len(rest) && bytes.IndexByte([]byte("`'\" \t\r\n="), rest[j]) >= 0 {
			j++
		}
		n := 0
		for j+n < len(rest) && bytes.IndexByte([]byte("`'\" \t\r\n"), rest[j+n]) < 0 {
			n++
		}
		if n >= 10 || n >= 6 && own && i <= 8 {
			return true
		}
	}
	return false
}

// ownRuleID names the rule of ownRules.
const ownRuleID = "ck8sargo-credential-assignment"

// ownKeywords are the keywords of ownRules.
var ownKeywords = map[string]struct{}{
	"passw": {}, "pwd": {}, "secret": {}, "token": {}, "api_key": {}, "api-key": {}, "apikey": {},
	"private_key": {}, "access_key": {}, "access-key": {}, "client_secret": {}, "credential": {},
}

// ownRules are rules gitleaks' set lacks for the files of a GitOps repository: its generic
// rule takes values of word characters only, so a password such as "Xk9#mQ2$vL8p" in a .env
// file, a kustomize secretGenerator literal or a values file passes it. These take any
// value after a key that ends in a credential word, above a modest entropy, and leave
// references (${VAR}, {{ .Values.x }}, <placeholder>, ENC[...]) and key names that only
// point at a secret (secretName, tokenFile, existingSecret) alone.
func ownRules() []config.Rule {
	keywords := slices.Collect(maps.Keys(ownKeywords))
	slices.Sort(keywords)
	return []config.Rule{{
		RuleID:      ownRuleID,
		Description: "a password, token or secret key assigned a literal value",
		Regex:       gitleaksregexp.MustCompile(`(?i)(?:^|[\s"'{,\-])[\w.-]*?(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|secret[_-]?key|client[_-]?secret|credentials?)["']?[ \t]*(?:=|:)[ \t]*["']?([^\s"'#{}$<>|&*!\[\]][^\s"']{5,})`),
		SecretGroup: 1,
		Entropy:     3.0,
		Keywords:    keywords,
		Allowlists: []*config.Allowlist{{
			Description: "references and placeholders, not values",
			Regexes: []*gitleaksregexp.Regexp{
				gitleaksregexp.MustCompile(`^(?:ENC\[|\$\{|\$\(|\{\{|<|%|/|\.\.?/|~/|https?://|file://|vault:|ref\+|secrets(?:\+[a-z-]+)?://)`),
				gitleaksregexp.MustCompile(`^[a-z]+(?:-[a-z]+)+$`), // a resource name: existingSecret: db-credentials
				gitleaksregexp.MustCompile(`(?i)^(?:true|false|null|none|required|optional|changeme|change-me|replace-?me|example|redacted|x{4,}|\*+)$`),
			},
			StopWords: []string{"example", "placeholder", "your-", "your_", "dummy", "redacted", "xxxxxx"},
		}},
	}}
}

// ciphertextRE matches what is encrypted on purpose and so is no credential: sops values
// (ENC[...]) and the armored data keys in sops metadata and SealedSecret-like files.
var ciphertextRE = regexp.MustCompile(`ENC\[AES256_GCM,[^\]]*\]|(?s)-----BEGIN (PGP MESSAGE|AGE ENCRYPTED FILE)-----.*?-----END (PGP MESSAGE|AGE ENCRYPTED FILE)-----`)

// Credentials finds credentials in a text file with gitleaks' rule set (v8, its detect
// package): cloud provider keys, API tokens, passwords in .env files, kustomize
// secretGenerator literals and values files, and the like. One finding per match, naming
// the gitleaks rule, never the value. Ciphertext (sops values and data keys, SealedSecret
// encryptedData) is not looked at; private keys and age identities are PrivateKeys' to report.
func Credentials(file string, data []byte) ([]Finding, error) {
	d, err := detector()
	if err != nil {
		return nil, err
	}
	if d.paths.allowed(file) {
		return nil, nil
	}
	masked := maskCiphertext(data)
	// Both rule sets read only the lines where their keywords are (see detectors).
	lower := bytes.ToLower(masked)
	folded := len(lower) == len(masked)
	if !folded {
		lower = masked // case folding changed the length (rare non-ASCII): all rules then
	}
	var found []report.Finding
	for _, rs := range []struct {
		set  *ruleSet
		keep func(string, []byte) bool
	}{{d.specific, nil}, {d.generic, assignsValue}} {
		lines, keywords, ok := keywordLines(masked, lower, rs.set.trie, rs.keep)
		if !ok {
			continue
		}
		if !folded {
			keywords = nil
		}
		found = append(found, rs.set.detect(file, lines, keywords)...)
	}
	// One finding per line: a specific rule (aws-access-token) says more than the generic
	// ones that match the same assignment, and two rules on one line are one secret.
	slices.SortStableFunc(found, func(a, b report.Finding) int {
		return cmp.Or(cmp.Compare(a.StartLine, b.StartLine), cmp.Compare(genericRank(a.RuleID), genericRank(b.RuleID)), cmp.Compare(a.StartColumn, b.StartColumn))
	})
	var out []Finding
	for _, f := range found {
		line := f.StartLine + 1
		if len(out) > 0 && out[len(out)-1].Line == line {
			continue
		}
		out = append(out, Finding{
			Check: CheckCredential, File: file, Line: line, Column: f.StartColumn, Rule: f.RuleID,
			Message:     fmt.Sprintf("looks like a credential (%s)", f.Description),
			Remediation: "move the value into a sops-encrypted values file, a SealedSecret or Vault, rotate it if it was ever pushed; if it is no secret, add `ck8sargo:allow` to the line or an entry to secrets.scan.allow in .ck8sargo.yaml",
		})
	}
	return out, nil
}

// maskCiphertext returns data with its ciphertext (sops values and data keys, SealedSecret
// encryptedData) blanked, lines kept; data itself when it holds none.
func maskCiphertext(data []byte) []byte {
	masked := data
	// The literal parts of ciphertextRE first: most files hold none, and looking for a
	// literal is many times faster than running the expression.
	if bytes.Contains(data, []byte("ENC[AES256_GCM,")) || bytes.Contains(data, []byte("-----BEGIN ")) {
		if locs := ciphertextRE.FindAllIndex(data, -1); locs != nil {
			masked = bytes.Clone(data)
			for _, l := range locs {
				blank(masked[l[0]:l[1]])
			}
		}
	}
	if sealed := sealedLines(data); len(sealed) > 0 {
		if len(masked) > 0 && &masked[0] == &data[0] {
			masked = bytes.Clone(data)
		}
		line := 1
		for i, start := 0, 0; i <= len(masked); i++ {
			if i == len(masked) || masked[i] == '\n' {
				if sealed[line] {
					blank(masked[start:i])
				}
				line, start = line+1, i+1
			}
		}
	}
	return masked
}

// genericRank orders the rules that match any assignment after those that know a
// credential's shape.
func genericRank(rule string) int {
	switch rule {
	case "generic-api-key", ownRuleID:
		return 1
	}
	return 0
}

// blank overwrites b with spaces, keeping its newlines so that lines keep their numbers.
func blank(b []byte) {
	for i, c := range b {
		if c != '\n' {
			b[i] = ' '
		}
	}
}

// sealedLines are the lines of SealedSecret encryptedData values: ciphertext for the
// controller's key, as safe to commit as sops values.
func sealedLines(data []byte) map[int]bool {
	if !bytes.Contains(data, []byte("SealedSecret")) {
		return nil
	}
	docs, _ := documents(data)
	out := map[int]bool{}
	for _, d := range docs {
		if yamlnode.Scalar(d, "kind") != "SealedSecret" {
			continue
		}
		ed := yamlnode.Value(yamlnode.Value(d, "spec"), "encryptedData")
		if ed == nil || ed.Kind != yaml.MappingNode {
			continue
		}
		for i := 1; i < len(ed.Content); i += 2 {
			v := ed.Content[i]
			end := v.Line + strings.Count(v.Value, "\n") + 1
			for l := ed.Content[i-1].Line; l <= end; l++ {
				out[l] = true
			}
		}
	}
	return out
}
