package policy

import (
	"bytes"
	"strconv"
	"strings"
)

// fastYAML decodes the block-style YAML subset that Kubernetes manifests are written in
// (indented mappings and sequences, plain and quoted scalars, single-line flow
// collections, literal block scalars) about three times faster than the general parser.
// Anything outside that subset, and anything it is unsure of, returns ok=false and the
// caller parses the document with go.yaml.in/yaml/v3, which also produces the error
// messages. A differential fuzz test holds it to yaml/v3's results.
func fastYAML(doc []byte) (m map[string]any, ok bool) {
	// Non-ASCII text and control characters have rules of their own: leave them to yaml/v3.
	for _, c := range doc {
		if c >= 0x7f || c < 0x20 && c != '\n' && c != '\t' {
			return nil, false
		}
	}
	p := fastParser{endsNL: len(doc) > 0 && doc[len(doc)-1] == '\n'}
	if !p.split(doc) {
		return nil, false
	}
	first := p.skipBlank(0)
	if first >= len(p.lines) {
		return nil, false
	}
	v, next, ok := p.block(first, p.lines[first].indent)
	if !ok || p.skipBlank(next) != len(p.lines) {
		return nil, false
	}
	m, ok = v.(map[string]any)
	return m, ok
}

type fastLine struct {
	indent int
	text   string // without indentation and trailing comment
	raw    string // the whole line, for block scalars
}

// commentLine marks a comment-only line: skipped, except that it ends a block scalar.
const commentLine = -2

type fastParser struct {
	lines  []fastLine
	endsNL bool // the document ends with a line break
}

// split cuts the document into lines, dropping blank and comment lines.
func (p *fastParser) split(doc []byte) bool {
	for len(doc) > 0 {
		var line []byte
		if i := bytes.IndexByte(doc, '\n'); i >= 0 {
			line, doc = doc[:i], doc[i+1:]
		} else {
			line, doc = doc, nil
		}
		raw := string(line)
		line = bytes.TrimRight(line, " ")
		indent := 0
		for indent < len(line) && line[indent] == ' ' {
			indent++
		}
		rest := line[indent:]
		if len(rest) == 0 {
			p.lines = append(p.lines, fastLine{indent: -1, raw: raw})
			continue
		}
		if rest[0] == '\t' || bytes.IndexByte(line, '\t') >= 0 && !bytes.HasPrefix(rest, []byte("#")) {
			return false
		}
		if rest[0] == '#' {
			p.lines = append(p.lines, fastLine{indent: commentLine, raw: raw})
			continue
		}
		if bytes.HasPrefix(rest, []byte("---")) || bytes.HasPrefix(rest, []byte("...")) || rest[0] == '%' {
			return false
		}
		text, ok := stripComment(string(rest))
		if !ok {
			return false
		}
		p.lines = append(p.lines, fastLine{indent: indent, text: text, raw: raw})
	}
	return true
}

// stripComment removes a " #" comment; ok is false when quotes make it unclear whether
// the "#" is in a string.
func stripComment(s string) (string, bool) {
	i := strings.Index(s, " #")
	if i < 0 {
		return s, true
	}
	if strings.ContainsAny(s, "'\"") {
		return "", false
	}
	return strings.TrimRight(s[:i], " "), true
}

// skipBlank returns the first non-blank line at or after i.
func (p *fastParser) skipBlank(i int) int {
	for i < len(p.lines) && p.lines[i].indent < 0 {
		i++
	}
	return i
}

// block parses the node starting at line i, whose lines are indented by indent.
func (p *fastParser) block(i, indent int) (any, int, bool) {
	i = p.skipBlank(i)
	if i >= len(p.lines) || p.lines[i].indent != indent {
		return nil, i, false
	}
	if isSeqItem(p.lines[i].text) {
		return p.sequence(i, indent)
	}
	return p.mapping(i, indent)
}

func isSeqItem(s string) bool { return s == "-" || strings.HasPrefix(s, "- ") }

func (p *fastParser) mapping(i, indent int) (any, int, bool) {
	m := map[string]any{}
	for {
		i = p.skipBlank(i)
		if i >= len(p.lines) || p.lines[i].indent < indent {
			return m, i, true
		}
		l := p.lines[i]
		if l.indent > indent || isSeqItem(l.text) {
			return nil, i, false
		}
		key, rest, ok := splitKey(l.text)
		if !ok {
			return nil, i, false
		}
		if _, dup := m[key]; dup {
			return nil, i, false
		}
		v, next, ok := p.value(i, indent, rest, true)
		if !ok {
			return nil, i, false
		}
		m[key] = v
		i = next
	}
}

func (p *fastParser) sequence(i, indent int) (any, int, bool) {
	s := []any{}
	for {
		i = p.skipBlank(i)
		if i >= len(p.lines) || p.lines[i].indent < indent {
			return s, i, true
		}
		l := p.lines[i]
		if l.indent > indent || !isSeqItem(l.text) {
			if l.indent == indent && !isSeqItem(l.text) {
				return s, i, true // a mapping key after "key:\n- item" at the same indent
			}
			return nil, i, false
		}
		rest := strings.TrimLeft(strings.TrimPrefix(l.text, "-"), " ")
		if rest == "" {
			v, next, ok := p.nested(i, indent, false)
			if !ok {
				return nil, i, false
			}
			s = append(s, v)
			i = next
			continue
		}
		// "- key: value" starts a mapping whose keys are aligned with "key".
		col := indent + (len(l.text) - len(rest))
		if key, _, ok := splitKey(rest); ok && key != "" && !strings.HasPrefix(rest, "{") && !strings.HasPrefix(rest, "[") && !strings.HasPrefix(rest, "\"") && !strings.HasPrefix(rest, "'") {
			p.lines[i] = fastLine{indent: col, text: rest, raw: l.raw}
			v, next, ok := p.mapping(i, col)
			p.lines[i] = l
			if !ok {
				return nil, i, false
			}
			s = append(s, v)
			i = next
			continue
		}
		if isSeqItem(rest) {
			return nil, i, false // "- - x": nested sequences on one line
		}
		v, next, ok := p.value(i, indent, rest, false)
		if !ok {
			return nil, i, false
		}
		s = append(s, v)
		i = next
	}
}

// value parses what follows "key:" or "- " on line i.
func (p *fastParser) value(i, indent int, rest string, inMapping bool) (any, int, bool) {
	if rest == "" {
		return p.nested(i, indent, inMapping)
	}
	if rest[0] == '|' {
		return p.literal(i, indent, rest)
	}
	v, ok := scalarOrFlow(rest)
	if !ok {
		return nil, i, false
	}
	// A deeper line after a scalar would be a multi-line plain scalar: not in the subset.
	if n := p.skipBlank(i + 1); n < len(p.lines) && p.lines[n].indent > indent {
		return nil, i, false
	}
	return v, i + 1, true
}

// nested parses the block under "key:" (deeper, or a sequence at the same indent for a
// mapping key), or null when there is none.
func (p *fastParser) nested(i, indent int, inMapping bool) (any, int, bool) {
	n := p.skipBlank(i + 1)
	if n >= len(p.lines) {
		return nil, n, true
	}
	l := p.lines[n]
	switch {
	case l.indent > indent:
		return p.block(n, l.indent)
	case l.indent == indent && inMapping && isSeqItem(l.text):
		return p.sequence(n, indent)
	}
	return nil, i + 1, true
}

// literal parses a "|", "|-" or "|+" block scalar.
func (p *fastParser) literal(i, indent int, header string) (any, int, bool) {
	chomp := strings.TrimPrefix(header, "|")
	if chomp != "" && chomp != "-" && chomp != "+" {
		return nil, i, false
	}
	j := i + 1
	content := -1
	var b strings.Builder
	for ; j < len(p.lines); j++ {
		l := p.lines[j]
		if l.indent == commentLine {
			return nil, i, false
		}
		if l.indent < 0 {
			if l.raw != "" && (content < 0 || len(l.raw) > content) {
				return nil, i, false // spaces on a blank line inside a block scalar
			}
			b.WriteByte('\n')
			continue
		}
		if l.indent <= indent {
			break
		}
		if content < 0 {
			content = l.indent
		}
		if l.indent < content {
			return nil, i, false
		}
		b.WriteString(l.raw[content:])
		b.WriteByte('\n')
	}
	if content < 0 || j >= len(p.lines) && !p.endsNL {
		return nil, i, false
	}
	// Blank lines that follow the scalar belong to chomping; here only clip and strip are
	// exact when they are dropped, so give up on keep.
	s := b.String()
	switch chomp {
	case "":
		s = strings.TrimRight(s, "\n") + "\n"
	case "-":
		s = strings.TrimRight(s, "\n")
	default:
		return nil, i, false
	}
	// Blank-only lines inside were written without their spaces; an empty raw line is "".
	return s, j, true
}

// splitKey splits "key: value" or "key:" into the key and the rest.
func splitKey(s string) (string, string, bool) {
	if s == "" {
		return "", "", false
	}
	switch s[0] {
	case '"', '\'':
		q, n, ok := quoted(s)
		if !ok {
			return "", "", false
		}
		r := s[n:]
		if r == ":" {
			return q, "", true
		}
		if !strings.HasPrefix(r, ": ") {
			return "", "", false
		}
		return q, strings.TrimLeft(r[2:], " "), true
	case '?', '&', '*', '!', '|', '>', '%', '@', '`', '{', '[', ',', '-', '#':
		return "", "", false
	}
	var key, rest string
	if i := strings.Index(s, ": "); i > 512 {
		return "", "", false // yaml/v3 limits implicit keys to 1024 characters
	} else if i >= 0 {
		key, rest = s[:i], strings.TrimLeft(s[i+2:], " ")
	} else if strings.HasSuffix(s, ":") && len(s) <= 512 {
		key = s[:len(s)-1]
	} else {
		return "", "", false
	}
	if key == "" || strings.ContainsAny(key, "#:\"'{}[],&*!|>") && !plainKeyOK(key) {
		return "", "", false
	}
	if _, isString := resolvePlain(key); !isString {
		return "", "", false
	}
	return strings.TrimRight(key, " "), rest, true
}

// plainKeyOK accepts the ":" in keys like "a:b" that are not followed by a space.
func plainKeyOK(key string) bool { return !strings.ContainsAny(key, "#\"'{}[],&*!|>") }

// scalarOrFlow parses a one-line value.
func scalarOrFlow(s string) (any, bool) {
	switch s[0] {
	case '{', '[':
		f := flowParser{s: s}
		v, ok := f.value()
		f.space()
		return v, ok && f.i == len(f.s)
	case '"', '\'':
		q, n, ok := quoted(s)
		return q, ok && n == len(s)
	case '&', '*', '!', '|', '>', '%', '@', '`', '?', ',', ']', '}', '#':
		return nil, false
	}
	if strings.Contains(s, ": ") || strings.HasSuffix(s, ":") || strings.HasPrefix(s, "- ") || s == "-" {
		return nil, false
	}
	v, _ := resolvePlain(s)
	if v == errScalar {
		return nil, false
	}
	return v, true
}

type scalarError struct{}

var errScalar any = scalarError{}

// resolvePlain resolves a plain scalar as yaml/v3 does for the common cases; errScalar for
// the others (the caller falls back). isString says the scalar is a string.
func resolvePlain(s string) (v any, isString bool) {
	switch s {
	case "true", "True", "TRUE":
		return true, false
	case "false", "False", "FALSE":
		return false, false
	case "null", "Null", "NULL", "~":
		return nil, false
	case "<<":
		return errScalar, false
	}
	c := s[0]
	if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' {
		if d := strings.TrimLeft(s, "+-"); len(d) > 1 && d[0] == '0' && d[1] != '.' && !surelyNotNumberOrTime(s) {
			return errScalar, false // octal and other prefixed forms: yaml/v3 decides
		}
		if isDecimal(s) {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || int64(int(n)) != n {
				return errScalar, false // beyond int64: yaml/v3 tries uint64, then float
			}
			return int(n), false
		}
		if isFloat(s) {
			f, err := strconv.ParseFloat(s, 64)
			if err == nil {
				return f, false
			}
		}
		if surelyNotNumberOrTime(s) {
			return s, true
		}
		return errScalar, false
	}
	return s, true
}

// surelyNotNumberOrTime says whether a scalar that starts like a number holds a character
// that no integer, float or timestamp form has (the "m" of 100m, the "/" of ../base).
func surelyNotNumberOrTime(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' ||
			strings.IndexByte("xXoObB_.+-: tTzZiInNaA", c) >= 0) {
			return true
		}
	}
	return false
}

func isDecimal(s string) bool {
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false // a leading 0 is octal to yaml/v3
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isFloat matches ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$.
func isFloat(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	} else {
		if digits() == 0 {
			return false
		}
		if i < len(s) && s[i] == '.' {
			i++
			digits()
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// quoted reads a quoted scalar at the start of s; n is the length consumed.
func quoted(s string) (string, int, bool) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case q == '\'' && c == '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			return b.String(), i + 1, true
		case q == '"' && c == '"':
			return b.String(), i + 1, true
		case q == '"' && c == '\\':
			if i+1 >= len(s) {
				return "", 0, false
			}
			i++
			switch s[i] {
			case '"', '\\', '/':
				b.WriteByte(s[i])
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				return "", 0, false
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

// flowParser reads one-line flow collections of plain and quoted scalars.
type flowParser struct {
	s string
	i int
}

func (f *flowParser) space() {
	for f.i < len(f.s) && f.s[f.i] == ' ' {
		f.i++
	}
}

// eat consumes c when it is the next byte, and says whether it was.
func (f *flowParser) eat(c byte) bool {
	if f.i < len(f.s) && f.s[f.i] == c {
		f.i++
		return true
	}
	return false
}

func (f *flowParser) value() (any, bool) {
	f.space()
	if f.i >= len(f.s) {
		return nil, false
	}
	switch f.s[f.i] {
	case '{':
		f.i++
		m := map[string]any{}
		for {
			f.space()
			if f.eat('}') {
				return m, true
			}
			k, ok := f.scalar(true)
			ks, isStr := k.(string)
			if !ok || !isStr {
				return nil, false
			}
			f.space()
			if !f.eat(':') {
				return nil, false
			}
			if f.i < len(f.s) && f.s[f.i] != ' ' {
				return nil, false
			}
			v, ok := f.value()
			if !ok {
				return nil, false
			}
			if _, dup := m[ks]; dup {
				return nil, false
			}
			m[ks] = v
			f.space()
			if f.eat(',') {
				continue
			}
			if f.eat('}') {
				return m, true
			}
			return nil, false
		}
	case '[':
		f.i++
		s := []any{}
		for {
			f.space()
			if f.eat(']') {
				return s, true
			}
			v, ok := f.value()
			if !ok {
				return nil, false
			}
			s = append(s, v)
			f.space()
			if f.eat(',') {
				continue
			}
			if f.eat(']') {
				return s, true
			}
			return nil, false
		}
	}
	return f.scalar(false)
}

func (f *flowParser) scalar(key bool) (any, bool) {
	if f.i >= len(f.s) {
		return nil, false
	}
	if c := f.s[f.i]; c == '"' || c == '\'' {
		q, n, ok := quoted(f.s[f.i:])
		f.i += n
		return q, ok
	}
	start := f.i
	for f.i < len(f.s) {
		c := f.s[f.i]
		if c == ',' || c == '}' || c == ']' || c == '{' || c == '[' || c == '#' ||
			c == ':' && (f.i+1 >= len(f.s) || f.s[f.i+1] == ' ' || key) {
			break
		}
		f.i++
	}
	s := strings.TrimRight(f.s[start:f.i], " ")
	if s == "" || strings.ContainsAny(s[:1], "&*!|>%@`?-:") {
		return nil, false
	}
	// Inside flow collections only the plainest scalars are taken here.
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._/-=:@+~ ", c) >= 0) {
			return nil, false
		}
	}
	v, _ := resolvePlain(s)
	if v == errScalar {
		return nil, false
	}
	return v, true
}
