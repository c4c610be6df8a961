package notify

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	yaml3 "gopkg.in/yaml.v3"
)

// spliceAnnotations changes the annotations of one YAML document in place, line by line,
// so that every other byte stays: comments, key order, quoting and flow style. It handles
// the common shapes (block-style metadata and annotations, one line per annotation) and
// says false for any other, where the caller re-encodes the document instead.
func spliceAnnotations(raw []byte, before, after map[string]string) ([]byte, bool) {
	var root yaml3.Node
	if err := yaml3.Unmarshal(raw, &root); err != nil || len(root.Content) != 1 {
		return nil, false
	}
	meta := mappingValue(root.Content[0], "metadata")
	if meta == nil || meta.Kind != yaml3.MappingNode || meta.Style&yaml3.FlowStyle != 0 || len(meta.Content) == 0 {
		return nil, false
	}
	lines := strings.SplitAfter(string(raw), "\n")
	line := func(n int) string { return lines[n-1] }
	// edits maps a 1-based line to its replacement (possibly several lines, or none).
	edits := map[int]string{}
	var annKey, ann *yaml3.Node
	for i := 0; i+1 < len(meta.Content); i += 2 {
		if meta.Content[i].Value == "annotations" {
			annKey, ann = meta.Content[i], meta.Content[i+1]
		}
	}
	var added []string
	for k := range after {
		if _, ok := before[k]; !ok {
			added = append(added, k)
		}
	}
	slices.Sort(added)
	indentOf := func(n *yaml3.Node) string { return strings.Repeat(" ", n.Column-1) }
	pairLine := func(indent, k, v string) string {
		q := scalarText(v)
		key := k
		if !plainKey(k) {
			kq, _ := json.Marshal(k)
			key = string(kq)
		}
		return indent + key + ": " + q + "\n"
	}
	if ann != nil && ann.Kind == yaml3.ScalarNode && ann.Tag == "!!null" && len(before) == 0 {
		// `annotations:` with nothing under it: the new pairs go right after it.
		if annKey.Line != ann.Line && ann.Line != 0 {
			return nil, false
		}
		var b strings.Builder
		b.WriteString(line(annKey.Line))
		for _, k := range added {
			b.WriteString(pairLine(indentOf(annKey)+"  ", k, after[k]))
		}
		edits[annKey.Line] = b.String()
		return applyEdits(lines, edits), true
	}
	if ann == nil {
		if len(added) == 0 {
			return raw, true
		}
		last := lastLine(meta)
		if last == 0 {
			return nil, false
		}
		indent := indentOf(meta.Content[0])
		var b strings.Builder
		b.WriteString(line(last))
		if !strings.HasSuffix(line(last), "\n") {
			b.WriteString("\n")
		}
		b.WriteString(indent + "annotations:\n")
		for _, k := range added {
			b.WriteString(pairLine(indent+"  ", k, after[k]))
		}
		edits[last] = b.String()
		return applyEdits(lines, edits), true
	}
	if ann.Kind != yaml3.MappingNode || ann.Style&yaml3.FlowStyle != 0 || len(ann.Content) == 0 {
		return nil, false
	}
	for i := 0; i+1 < len(ann.Content); i += 2 {
		k, v := ann.Content[i], ann.Content[i+1]
		if v.Kind != yaml3.ScalarNode || v.Line != k.Line || v.Style&(yaml3.LiteralStyle|yaml3.FoldedStyle) != 0 || k.HeadComment != "" || k.FootComment != "" {
			if _, keep := after[k.Value]; keep && after[k.Value] == before[k.Value] {
				continue // untouched, whatever its shape
			}
			return nil, false
		}
		nv, keep := after[k.Value]
		switch {
		case !keep:
			edits[k.Line] = ""
		case nv != before[k.Value]:
			l := line(k.Line)
			q := scalarText(nv)
			rest := "\n"
			if v.LineComment != "" {
				rest = " " + v.LineComment + "\n"
			}
			if v.Column-1 > len(l) {
				return nil, false
			}
			edits[k.Line] = l[:v.Column-1] + q + rest
		}
	}
	if len(after) == 0 {
		edits[annKey.Line] = ""
	}
	if len(added) > 0 {
		last := lastLine(ann)
		if last == 0 {
			return nil, false
		}
		var b strings.Builder
		if e, ok := edits[last]; ok {
			b.WriteString(e)
		} else {
			b.WriteString(line(last))
		}
		for _, k := range added {
			b.WriteString(pairLine(indentOf(ann.Content[0]), k, after[k]))
		}
		edits[last] = b.String()
	}
	return applyEdits(lines, edits), true
}

func mappingValue(m *yaml3.Node, key string) *yaml3.Node {
	if m.Kind != yaml3.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// lastLine is the last line a block mapping's content is on, when every value ends on the
// line it starts (scalars other than block scalars, flow collections on one line) or is a
// nested block collection of such; 0 otherwise.
func lastLine(n *yaml3.Node) int {
	switch {
	case n.Kind == yaml3.ScalarNode && n.Style&(yaml3.LiteralStyle|yaml3.FoldedStyle) == 0:
		return n.Line
	case n.Style&yaml3.FlowStyle != 0:
		max := n.Line
		for _, c := range n.Content {
			if l := lastLine(c); l == 0 {
				return 0
			} else if l > max {
				max = l
			}
		}
		if max != n.Line {
			return 0 // a flow collection over several lines: its end is not known
		}
		return max
	case n.Kind == yaml3.MappingNode || n.Kind == yaml3.SequenceNode:
		if len(n.Content) == 0 {
			return 0
		}
		return lastLine(n.Content[len(n.Content)-1])
	}
	return 0
}

// scalarText writes a value as YAML would, on one line: plain where that reads back as the
// same string, double-quoted otherwise.
func scalarText(v string) string {
	out, err := yaml3.Marshal(v)
	if text := strings.TrimSuffix(string(out), "\n"); err == nil && !strings.ContainsAny(text, "\n") && text != "" {
		return text
	}
	q, _ := json.Marshal(v)
	return string(q)
}

func plainKey(k string) bool {
	for _, r := range k {
		if !(r == '.' || r == '/' || r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return k != ""
}

func applyEdits(lines []string, edits map[int]string) []byte {
	var b bytes.Buffer
	for i, l := range lines {
		if e, ok := edits[i+1]; ok {
			b.WriteString(e)
			continue
		}
		b.WriteString(l)
	}
	return b.Bytes()
}
