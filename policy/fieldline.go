package policy

import (
	"bytes"
	"strconv"
	"strings"
)

// blockFieldLine finds the line (1-based, in doc) of the field at a dotted path by
// following indentation, without parsing the document. It stops at the deepest part of
// the path written in block style (a flow collection hides the rest) and reports that
// line. ok is false when the document is not plain enough to follow (tabs, quoted keys,
// block scalars that look like keys); the caller then asks the YAML parser.
func blockFieldLine(doc []byte, path string) (int, bool) {
	type line struct {
		no, indent int
		text       string
	}
	var lines []line
	no := 0
	for len(doc) > 0 {
		no++
		var l []byte
		if i := bytes.IndexByte(doc, '\n'); i >= 0 {
			l, doc = doc[:i], doc[i+1:]
		} else {
			l, doc = doc, nil
		}
		indent := 0
		for indent < len(l) && l[indent] == ' ' {
			indent++
		}
		rest := bytes.TrimRight(l[indent:], " \r")
		if len(rest) == 0 || rest[0] == '#' {
			continue
		}
		if bytes.IndexByte(l, '\t') >= 0 || rest[0] == '"' || rest[0] == '\'' || rest[0] == '|' || rest[0] == '>' {
			return 0, false
		}
		lines = append(lines, line{no: no, indent: indent, text: string(rest)})
	}
	if len(lines) == 0 {
		return 0, false
	}
	// lo..hi are the lines of the current node, all indented by at least ind.
	lo, hi, ind := 0, len(lines), lines[0].indent
	found := lines[0].no
	for _, key := range strings.Split(path, ".") {
		if lo >= hi {
			break
		}
		idx, isIndex := strconv.Atoi(key)
		next := -1
		if isIndex == nil {
			// The items of a sequence: lines "- ..." at the node's indent.
			n := 0
			for i := lo; i < hi; i++ {
				l := lines[i]
				if l.indent == ind && (l.text == "-" || strings.HasPrefix(l.text, "- ")) {
					if n == idx {
						next = i
						break
					}
					n++
				}
			}
			if next < 0 {
				break
			}
			found = lines[next].no
			// The item's content starts after "- " on its line, or on the next lines.
			rest := strings.TrimLeft(strings.TrimPrefix(lines[next].text, "-"), " ")
			end := next + 1
			for end < hi && lines[end].indent > ind {
				end++
			}
			if rest == "" {
				lo, hi = next+1, end
				if lo < hi {
					ind = lines[lo].indent
				}
				continue
			}
			col := ind + len(lines[next].text) - len(rest)
			lines[next] = line{no: lines[next].no, indent: col, text: rest}
			lo, hi, ind = next, end, col
			continue
		}
		for i := lo; i < hi; i++ {
			l := lines[i]
			if l.indent == ind && (strings.HasPrefix(l.text, key+":") && (len(l.text) == len(key)+1 || l.text[len(key)+1] == ' ')) {
				next = i
				break
			}
		}
		if next < 0 {
			break
		}
		found = lines[next].no
		end := next + 1
		for end < hi && (lines[end].indent > ind || lines[end].indent == ind && (lines[end].text == "-" || strings.HasPrefix(lines[end].text, "- "))) {
			end++
		}
		lo, hi = next+1, end
		if lo < hi {
			ind = lines[lo].indent
		}
	}
	return found, true
}
