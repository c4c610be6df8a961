package policy

import (
	"fmt"
	"regexp"
	"strings"
)

// globPattern matches forward-slash paths: "*" within one name, "**" across directories,
// "?" one character; a pattern without "/" matches the last name anywhere, as in
// .gitignore.
type globPattern struct {
	re *regexp.Regexp
}

func compileGlob(pattern string) (*globPattern, error) {
	p := strings.TrimPrefix(strings.TrimSpace(pattern), "./")
	if p == "" {
		return nil, fmt.Errorf("empty pattern")
	}
	var b strings.Builder
	if !strings.Contains(strings.TrimSuffix(p, "/"), "/") {
		b.WriteString(`^(?:.*/)?`)
	} else {
		b.WriteString(`^`)
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*':
			if i+1 < len(p) && p[i+1] == '*' {
				i++
				if i+1 < len(p) && p[i+1] == '/' {
					i++
					b.WriteString(`(?:.*/)?`)
				} else {
					b.WriteString(`.*`)
				}
			} else {
				b.WriteString(`[^/]*`)
			}
		case '?':
			b.WriteString(`[^/]`)
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	// A directory pattern ("vendor/") or any pattern matches what is below it too.
	b.WriteString(`(?:/.*)?$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	return &globPattern{re: re}, nil
}

func (g *globPattern) match(path string) bool {
	return g.re.MatchString(strings.TrimSuffix(path, "/")) || g.re.MatchString(path)
}
