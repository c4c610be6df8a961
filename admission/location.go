package admission

import (
	"fmt"
	"strings"
)

// segment is one node of a Gatekeeper mutation location: an object field, or a list
// selector that picks elements by a key field ("[name: app]"; glob "*" for every element).
type segment struct {
	field string
	// list is set for a list selector: key is the key field, value its value, glob
	// whether value is "*".
	list  bool
	key   string
	value string
	glob  bool
}

func (s segment) String() string {
	if !s.list {
		return s.field
	}
	v := s.value
	if s.glob {
		v = "*"
	}
	return fmt.Sprintf("[%s: %s]", s.key, v)
}

// parseLocation reads a location as Gatekeeper writes it:
// `spec.containers[name: *].securityContext.runAsNonRoot`, with quoted field names or
// values where they hold dots or brackets (`metadata.labels."app.kubernetes.io/name"`).
func parseLocation(loc string) ([]segment, error) {
	p := &locParser{s: loc}
	var out []segment
	for {
		p.space()
		name, err := p.ident()
		if err != nil {
			return nil, fmt.Errorf("location %q: %w", loc, err)
		}
		out = append(out, segment{field: name})
		p.space()
		if p.peek() == '[' {
			seg := segment{}
			p.i++
			p.space()
			key, err := p.ident()
			if err != nil {
				return nil, fmt.Errorf("location %q: list key: %w", loc, err)
			}
			p.space()
			if p.peek() != ':' {
				return nil, fmt.Errorf("location %q: expected ':' after list key %q", loc, key)
			}
			p.i++
			p.space()
			seg.list, seg.key = true, key
			if p.peek() == '*' {
				p.i++
				seg.glob = true
			} else {
				v, err := p.ident()
				if err != nil {
					return nil, fmt.Errorf("location %q: list key value: %w", loc, err)
				}
				seg.value = v
			}
			p.space()
			if p.peek() != ']' {
				return nil, fmt.Errorf("location %q: expected ']'", loc)
			}
			p.i++
			p.space()
			out = append(out, seg)
		}
		if p.i >= len(p.s) {
			break
		}
		if p.peek() != '.' {
			return nil, fmt.Errorf("location %q: unexpected %q at offset %d", loc, p.s[p.i], p.i)
		}
		p.i++
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("location %q is empty", loc)
	}
	return out, nil
}

type locParser struct {
	s string
	i int
}

func (p *locParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *locParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// ident reads a bare name (up to '.', '[', ']', ':' or space) or a quoted string.
func (p *locParser) ident() (string, error) {
	if q := p.peek(); q == '"' || q == '\'' {
		p.i++
		var b strings.Builder
		for p.i < len(p.s) {
			c := p.s[p.i]
			switch {
			case c == '\\' && p.i+1 < len(p.s):
				b.WriteByte(p.s[p.i+1])
				p.i += 2
			case c == q:
				p.i++
				return b.String(), nil
			default:
				b.WriteByte(c)
				p.i++
			}
		}
		return "", fmt.Errorf("unterminated quote")
	}
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(".[]: \t*", rune(p.s[p.i])) {
		p.i++
	}
	if p.i == start {
		if p.i < len(p.s) {
			return "", fmt.Errorf("expected a name at offset %d, found %q", p.i, p.s[p.i])
		}
		return "", fmt.Errorf("expected a name at the end")
	}
	return p.s[start:p.i], nil
}

// pathTest is a parsed pathTests entry: the mutation happens only when the node at the
// first depth segments exists (mustExist) or does not (!mustExist).
type pathTest struct {
	depth     int
	mustExist bool
}

// parsePathTests checks that each subPath is a prefix of the location.
func parsePathTests(loc []segment, tests []any) ([]pathTest, error) {
	var out []pathTest
	for _, t := range tests {
		m, _ := t.(map[string]any)
		sub, _ := m["subPath"].(string)
		cond, _ := m["condition"].(string)
		segs, err := parseLocation(sub)
		if err != nil {
			return nil, fmt.Errorf("pathTests: %w", err)
		}
		if len(segs) > len(loc) {
			return nil, fmt.Errorf("pathTests: subPath %q is not a prefix of the location", sub)
		}
		for i := range segs {
			if segs[i] != loc[i] {
				return nil, fmt.Errorf("pathTests: subPath %q is not a prefix of the location", sub)
			}
		}
		switch cond {
		case "MustExist":
			out = append(out, pathTest{depth: len(segs), mustExist: true})
		case "MustNotExist":
			out = append(out, pathTest{depth: len(segs)})
		default:
			return nil, fmt.Errorf("pathTests: condition %q is not MustExist or MustNotExist", cond)
		}
	}
	return out, nil
}
