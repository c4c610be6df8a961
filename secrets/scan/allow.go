package scan

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
)

// AllowMarker on a line lets the findings of that line pass; on a line of its own (a
// comment) it lets those of the next line pass too. gitleaks' own marker, gitleaks:allow,
// is honoured the same way, so that a repository that used gitleaks keeps its decisions.
const AllowMarker = "ck8sargo:allow"

const gitleaksAllowMarker = "gitleaks:allow"

// Allow is one allowlist entry: findings in a file matching one of Paths, of a check or
// gitleaks rule named in Rules, are no problem. An empty Paths matches every file and an
// empty Rules every check; an entry with both empty is refused, as it would let everything
// pass.
type Allow struct {
	// Paths are slash-separated globs relative to the repository root, as path.Match reads
	// them, where a ** segment matches any number of directories and a pattern without a
	// slash matches the file name in any directory.
	Paths []string
	// Rules are check names (credential, private-key, ...) or gitleaks rule IDs
	// (aws-access-token, generic-api-key, ...).
	Rules []string
	// Reason says why; it is not used to match.
	Reason string
}

// Options tune Scan. The zero value scans with no allowlist.
type Options struct {
	// Allow are allowlist entries, from secrets.scan.allow of .ck8sargo.yaml.
	Allow []Allow
	// Ignore are fingerprints of findings that pass (Finding.Fingerprint, FILE:RULE:LINE,
	// the form of gitleaks' .gitleaksignore), from secrets.scan.ignore of .ck8sargo.yaml.
	Ignore []string
}

// validate refuses entries that would match nothing or everything, and bad globs, naming
// the entry.
func (o Options) validate() error {
	for i, a := range o.Allow {
		if len(a.Paths) == 0 && len(a.Rules) == 0 {
			return fmt.Errorf("allow[%d]: neither paths nor rules: it would let every finding pass", i)
		}
		for _, p := range a.Paths {
			if p == "" || strings.HasPrefix(p, "/") {
				return fmt.Errorf("allow[%d]: path %q: give a glob relative to the repository root", i, p)
			}
			if _, err := path.Match(strings.ReplaceAll(p, "**", "x"), ""); err != nil {
				return fmt.Errorf("allow[%d]: path %q: %w", i, p, err)
			}
		}
	}
	for i, fp := range o.Ignore {
		if _, _, _, ok := parseFingerprint(fp); !ok {
			return fmt.Errorf("ignore[%d]: %q is not FILE:RULE:LINE", i, fp)
		}
	}
	return nil
}

// allows says whether the entries of o let f pass.
func (o Options) allows(f Finding) bool {
	for _, a := range o.Allow {
		if len(a.Rules) > 0 && !slices.Contains(a.Rules, string(f.Check)) && (f.Rule == "" || !slices.Contains(a.Rules, f.Rule)) {
			continue
		}
		if len(a.Paths) == 0 || slices.ContainsFunc(a.Paths, func(p string) bool { return matchGlob(p, f.File) }) {
			return true
		}
	}
	return slices.Contains(o.Ignore, f.Fingerprint)
}

// fingerprint is FILE:RULE:LINE, RULE being the gitleaks rule of a credential and the check
// of any other finding.
func fingerprint(f Finding) string {
	rule := f.Rule
	if rule == "" {
		rule = string(f.Check)
	}
	return f.File + ":" + rule + ":" + strconv.Itoa(f.Line)
}

func parseFingerprint(fp string) (file, rule string, line int, ok bool) {
	i := strings.LastIndexByte(fp, ':')
	if i < 0 {
		return "", "", 0, false
	}
	n, err := strconv.Atoi(fp[i+1:])
	j := strings.LastIndexByte(fp[:i], ':')
	if err != nil || n < 1 || j <= 0 || j == i-1 {
		return "", "", 0, false
	}
	return fp[:j], fp[j+1 : i], n, true
}

// matchGlob matches a slash-separated name against pattern, where a ** segment matches
// zero or more directories and a pattern without a slash matches the base name.
func matchGlob(pattern, name string) bool {
	if !strings.Contains(pattern, "/") {
		ok, _ := path.Match(pattern, path.Base(name))
		return ok
	}
	return matchSegments(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegments(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchSegments(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// commentLeaders start a line that is only a comment, in the files a GitOps repository
// holds: YAML, shell and .env, INI, Go templates, HTML and Markdown, SQL and Lua.
var commentLeaders = []string{"#", "//", ";", "--", "/*", "<!--", "{{/*", "{{- /*", "{{ /*"}

// allowedLines are the 1-based lines whose findings an allow marker lets pass; nil when the
// file has no marker.
func allowedLines(data []byte) map[int]bool {
	if !bytes.Contains(data, []byte(AllowMarker)) && !bytes.Contains(data, []byte(gitleaksAllowMarker)) {
		return nil
	}
	out := map[int]bool{}
	line := 0
	for rest := data; len(rest) > 0; {
		line++
		l := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			l, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if !bytes.Contains(l, []byte(AllowMarker)) && !bytes.Contains(l, []byte(gitleaksAllowMarker)) {
			continue
		}
		out[line] = true
		t := strings.TrimSpace(string(l))
		if slices.ContainsFunc(commentLeaders, func(c string) bool { return strings.HasPrefix(t, c) }) {
			out[line+1] = true
		}
	}
	return out
}
