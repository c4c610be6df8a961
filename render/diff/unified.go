package diff

import (
	"fmt"
	"strings"
)

// maxEdit bounds the edit distance the line diff searches for; past it the differing middle
// of the two texts is shown as removed and added as a whole, which is still a correct diff.
const maxEdit = 4000

type opKind byte

const (
	opEqual opKind = iota
	opDelete
	opInsert
)

type op struct {
	kind opKind
	a, b int // line index in a (equal, delete) and b (equal, insert)
}

// lines splits text into lines without their newline; "" is no line at all.
func lines(text string) []string {
	if text == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(text, "\n"), "\n")
}

// editScript is a shortest edit script from a to b (Myers, "An O(ND) Difference Algorithm"),
// with the common prefix and suffix taken off first.
func editScript(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ops := make([]op, 0, len(a)+len(b))
	for i := range pre {
		ops = append(ops, op{opEqual, i, i})
	}
	ops = append(ops, myers(a[pre:len(a)-suf], b[pre:len(b)-suf], pre, pre)...)
	for i := range suf {
		ops = append(ops, op{opEqual, len(a) - suf + i, len(b) - suf + i})
	}
	return ops
}

// myers diffs a and b, whose first lines are line offA and offB of the whole texts.
func myers(a, b []string, offA, offB int) []op {
	n, m := len(a), len(b)
	whole := func() []op {
		ops := make([]op, 0, n+m)
		for i := range n {
			ops = append(ops, op{opDelete, offA + i, -1})
		}
		for j := range m {
			ops = append(ops, op{opInsert, -1, offB + j})
		}
		return ops
	}
	if n == 0 || m == 0 {
		return whole()
	}
	limit := min(n+m, maxEdit)
	// v[k+limit] is the furthest x reached on diagonal k; trace[d] is v after step d.
	v := make([]int, 2*limit+2)
	var trace [][]int
	found := -1
	for d := 0; d <= limit && found < 0; d++ {
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[k-1+limit] < v[k+1+limit]) {
				x = v[k+1+limit]
			} else {
				x = v[k-1+limit] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[k+limit] = x
			if x >= n && y >= m {
				found = d
				break
			}
		}
		snap := make([]int, 2*d+1)
		copy(snap, v[limit-d:limit+d+1])
		trace = append(trace, snap)
	}
	if found < 0 {
		return whole()
	}
	// Walk back from (n, m) through the snapshots.
	var rev []op
	x, y := n, m
	for d := found; d > 0; d-- {
		prev := trace[d-1] // covers k in [-(d-1), d-1]
		at := func(k int) int { return prev[k+d-1] }
		k := x - y
		var pk int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			x, y = x-1, y-1
			rev = append(rev, op{opEqual, offA + x, offB + y})
		}
		if x == px {
			y--
			rev = append(rev, op{opInsert, -1, offB + y})
		} else {
			x--
			rev = append(rev, op{opDelete, offA + x, -1})
		}
	}
	for x > 0 && y > 0 {
		x, y = x-1, y-1
		rev = append(rev, op{opEqual, offA + x, offB + y})
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// unified is the unified diff of two texts with context lines around each change, headed
// by "--- from" and "+++ to"; "" when they are equal.
func unified(from, to, a, b string, context int) string {
	if a == b {
		return ""
	}
	la, lb := lines(a), lines(b)
	ops := editScript(la, lb)
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", from, to)
	// counted ops come before the current hunk: aBefore and bBefore lines of a and b.
	counted, aBefore, bBefore := 0, 0, 0
	for i := 0; i < len(ops); {
		// Find the next change.
		for i < len(ops) && ops[i].kind == opEqual {
			i++
		}
		if i == len(ops) {
			break
		}
		start := max(i-context, 0)
		// Extend the hunk while changes are at most 2*context equal lines apart.
		end := i
		for end < len(ops) {
			if ops[end].kind != opEqual {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == opEqual {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end = min(end+context, len(ops))
				break
			}
			end = run
		}
		for ; counted < start; counted++ {
			if ops[counted].kind != opInsert {
				aBefore++
			}
			if ops[counted].kind != opDelete {
				bBefore++
			}
		}
		writeHunk(&sb, ops[start:end], la, lb, aBefore, bBefore)
		i = end
	}
	return sb.String()
}

func writeHunk(sb *strings.Builder, ops []op, la, lb []string, aBefore, bBefore int) {
	aN, bN := 0, 0
	for _, o := range ops {
		if o.kind != opInsert {
			aN++
		}
		if o.kind != opDelete {
			bN++
		}
	}
	fmt.Fprintf(sb, "@@ -%s +%s @@\n", hunkRange(aBefore, aN), hunkRange(bBefore, bN))
	for _, o := range ops {
		var prefix, text string
		switch o.kind {
		case opEqual:
			prefix, text = " ", la[o.a]
		case opDelete:
			prefix, text = "-", la[o.a]
		case opInsert:
			prefix, text = "+", lb[o.b]
		}
		sb.WriteString(prefix)
		sb.WriteString(text)
		sb.WriteByte('\n')
	}
}

// hunkRange is "start,count" as GNU diff writes it: 1-based, the count left out when it is
// 1, and for an empty range the line before it.
func hunkRange(before, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", before)
	case 1:
		return fmt.Sprintf("%d", before+1)
	}
	return fmt.Sprintf("%d,%d", before+1, n)
}
