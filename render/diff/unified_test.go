package diff

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnifiedWritesHunksLikeGNUDiff(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"equal texts have no diff", "a\nb\n", "a\nb\n", ""},
		{"one changed line in the middle", "a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nd\nX\nf\ng\nh\n",
			"--- a\n+++ b\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+X\n f\n g\n h\n"},
		{"an added text", "", "a\nb\n", "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{"a removed text", "a\n", "", "--- a\n+++ b\n@@ -1 +0,0 @@\n-a\n"},
		{"a line added at the end", "a\nb\n", "a\nb\nc\n", "--- a\n+++ b\n@@ -1,2 +1,3 @@\n a\n b\n+c\n"},
		{"far apart changes make two hunks",
			"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "X\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\nY\n",
			"--- a\n+++ b\n@@ -1,4 +1,4 @@\n-1\n+X\n 2\n 3\n 4\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+Y\n"},
		{"changes six lines apart share a hunk",
			"1\n2\n3\n4\n5\n6\n7\n8\n", "X\n2\n3\n4\n5\n6\n7\nY\n",
			"--- a\n+++ b\n@@ -1,8 +1,8 @@\n-1\n+X\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+Y\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, unified("a", "b", tt.a, tt.b, 3))
		})
	}
}

// TestEditScriptIsMinimalAndCorrect checks random texts: applying the script to a gives b,
// and it keeps as many lines as the longest common subsequence.
func TestEditScriptIsMinimalAndCorrect(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func() []string {
		n := rng.IntN(30)
		out := make([]string, n)
		for i := range out {
			out[i] = strconv.Itoa(rng.IntN(5))
		}
		return out
	}
	for i := range 500 {
		a, b := gen(), gen()
		ops := editScript(a, b)
		var got []string
		kept := 0
		for _, o := range ops {
			switch o.kind {
			case opEqual:
				require.Equal(t, a[o.a], b[o.b])
				got = append(got, b[o.b])
				kept++
			case opInsert:
				got = append(got, b[o.b])
			}
		}
		require.Equal(t, strings.Join(b, ","), strings.Join(got, ","), "case %d", i)
		require.Equal(t, lcs(a, b), kept, fmt.Sprintf("case %d: %v -> %v", i, a, b))
	}
}

func lcs(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}
