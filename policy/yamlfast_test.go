package policy

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// fastYAML must agree with yaml/v3 whenever it accepts a document.
func checkFastYAML(t *testing.T, doc []byte) bool {
	t.Helper()
	got, ok := fastYAML(doc)
	if !ok {
		return false
	}
	var want any
	if err := yaml.Unmarshal(doc, &want); err != nil {
		t.Fatalf("fastYAML accepted a document yaml/v3 refuses (%v):\n%s", err, doc)
	}
	if !reflect.DeepEqual(any(got), want) {
		t.Fatalf("fastYAML and yaml/v3 disagree on:\n%s\nfast: %#v\nyaml: %#v", doc, got, want)
	}
	return true
}

func TestFastYAMLAgreesWithYAMLv3OnTheFixtures(t *testing.T) {
	accepted, total := 0, 0
	err := filepath.Walk(filepath.Join("rules", "testdata"), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, d := range splitDocuments(data) {
			total++
			if checkFastYAML(t, d.text) {
				accepted++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if accepted < total*3/4 {
		t.Errorf("the fast path accepted only %d of %d fixture documents", accepted, total)
	}
}

func TestFastYAMLCases(t *testing.T) {
	for _, doc := range []string{
		"a: 1\nb: -2\nc: 1.5\nd: .5\ne: true\nf: null\ng: ~\nh: yes\ni: 0x10\nj: 1e3\nk: 01\n",
		"a:\n- x\n- y: 1\n  z: 2\n-\n  - nested\nb: [1, \"two\", 'three', {four: 4}]\n",
		"a: |\n  line one\n    indented\n\n  line three\nb: |-\n  stripped\nc: x # comment\n",
		"\"quoted key\": 'it''s'\nescaped: \"a\\\"b\\n\"\nurl: http://example.com:8080/x\nempty:\nlist:\n- a\n",
		"a: 'unterminated\n", "a: b: c\n", "a:\n  b\n  c\n", "&anchor a: 1\n", "a: *alias\n", "1: x\n",
		"a: 1\na: 2\n", "a: [1, 2\n", "a: >\n  folded\n", "a: 2001-12-14\n", "a: 1_000\n", "a:\tb\n",
	} {
		checkFastYAML(t, []byte(doc))
	}
}

func FuzzFastYAMLAgreesWithYAMLv3(f *testing.F) {
	for _, s := range []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\ndata: {k: v}\n",
		"a:\n- x\n- y: 1\n  z: [1, {b: c}]\n", "a: |\n  x\n\n  y\nb: |-\n  z\n", "k: \"v\\n\" # c\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkFastYAML(t, doc)
	})
}
