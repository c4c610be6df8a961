package sops

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	sopslib "github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/cmd/sops/common"
	"github.com/getsops/sops/v3/stores"
	sopsyaml "github.com/getsops/sops/v3/stores/yaml"
	"go.yaml.in/yaml/v3"
)

// The sops YAML store checks the first document for duplicate keys by decoding it into a
// map, and the YAML decoder compares every key of a mapping with every later one: a values
// file of 40,000 keys took ten seconds, nearly all of it in that check. loadPlain gives the
// same tree and the same errors in linear time: it checks duplicates with a map and turns
// the YAML nodes into sops tree branches as the store does (stores/yaml/store.go of
// github.com/getsops/sops/v3). Documents using what only the store's own decoding handles
// exactly (aliases, merge keys, explicit tags, non-scalar keys, a first document that is
// not a mapping) go through the store unchanged. TestLoadPlainMatchesTheSopsStore compares
// both on every form.

// loadPlain is store.LoadPlainFile.
func loadPlain(store common.Store, in []byte) (sopslib.TreeBranches, error) {
	if _, ok := store.(*sopsyaml.Store); !ok {
		return store.LoadPlainFile(in)
	}
	docs, err := decodeYAMLDocuments(in)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 || !simpleYAML(docs[0], true) {
		return store.LoadPlainFile(in)
	}
	for _, d := range docs[1:] {
		if !simpleYAML(d, false) {
			return store.LoadPlainFile(in)
		}
	}
	var terrs []string
	duplicateKeys(docs[0].Content[0], &terrs)
	if len(terrs) > 0 {
		return nil, &yaml.TypeError{Errors: terrs}
	}
	branches := make(sopslib.TreeBranches, 0, len(docs))
	for _, d := range docs {
		b, err := yamlBranch(d, make(sopslib.TreeBranch, 0), false)
		if err != nil {
			return nil, fmt.Errorf("Error unmarshaling input YAML: %s", err)
		}
		branches = append(branches, b)
	}
	return branches, nil
}

// loadEncrypted is store.LoadEncryptedFile.
func loadEncrypted(store common.Store, in []byte) (sopslib.Tree, error) {
	if _, ok := store.(*sopsyaml.Store); !ok {
		return store.LoadEncryptedFile(in)
	}
	branches, err := loadPlain(store, in)
	if err != nil {
		return sopslib.Tree{}, err
	}
	branches, md, err := stores.ExtractMetadata(branches, stores.MetadataOpts{Flatten: stores.MetadataFlattenNone})
	if err != nil {
		return sopslib.Tree{}, err
	}
	return sopslib.Tree{Branches: branches, Metadata: md}, nil
}

// decodeYAMLDocuments parses every document; the errors are those the store returns (a
// syntax error in the first document bare, as its check finds it first; later ones
// wrapped).
func decodeYAMLDocuments(in []byte) ([]*yaml.Node, error) {
	var docs []*yaml.Node
	d := yaml.NewDecoder(bytes.NewReader(in))
	for {
		var n yaml.Node
		err := d.Decode(&n)
		if err == io.EOF {
			if len(docs) == 0 && len(in) > 0 {
				return nil, err // the store's check decodes nothing: io.EOF
			}
			return docs, nil
		}
		if err != nil {
			if len(docs) == 0 {
				return nil, err
			}
			return nil, fmt.Errorf("Error unmarshaling input YAML: %s", err)
		}
		docs = append(docs, &n)
	}
}

// simpleYAML says whether a document uses only what loadPlain converts exactly like the
// store: no aliases or anchors (which the store's decoding bounds, and which expand), no
// merge keys, no explicit tags, scalar keys; the first document's root must be a mapping.
func simpleYAML(doc *yaml.Node, first bool) bool {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return false
	}
	if first && doc.Content[0].Kind != yaml.MappingNode {
		return false
	}
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n.Kind == yaml.AliasNode || n.Anchor != "" || n.Style&yaml.TaggedStyle != 0 {
			return false
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Kind != yaml.ScalarNode || k.Anchor != "" || k.Style&yaml.TaggedStyle != 0 || k.Value == "<<" {
					return false
				}
				if !walk(n.Content[i+1]) {
					return false
				}
			}
			return len(n.Content)%2 == 0
		}
		for _, c := range n.Content {
			if !walk(c) {
				return false
			}
		}
		return true
	}
	return walk(doc.Content[0])
}

// duplicateKeys reports the duplicate keys of the mappings under n as the YAML decoder
// does, in its order and words, with a map instead of comparing every pair: a mapping with
// duplicates is reported and not descended into.
func duplicateKeys(n *yaml.Node, terrs *[]string) {
	switch n.Kind {
	case yaml.MappingNode:
		type key struct {
			kind  yaml.Kind
			value string
		}
		var seen map[key][]int // key -> indices in n.Content
		dup := false
		for i := 0; i < len(n.Content); i += 2 {
			k := key{n.Content[i].Kind, n.Content[i].Value}
			if seen == nil {
				seen = make(map[key][]int, len(n.Content)/2)
			}
			if len(seen[k]) > 0 {
				dup = true
			}
			seen[k] = append(seen[k], i)
		}
		if dup {
			for i := 0; i < len(n.Content); i += 2 {
				ni := n.Content[i]
				for _, j := range seen[key{ni.Kind, ni.Value}] {
					if j > i {
						nj := n.Content[j]
						*terrs = append(*terrs, fmt.Sprintf("line %d: mapping key %#v already defined at line %d", nj.Line, nj.Value, ni.Line))
					}
				}
			}
			return
		}
		for i := 1; i < len(n.Content); i += 2 {
			duplicateKeys(n.Content[i], terrs)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			duplicateKeys(c, terrs)
		}
	}
}

// comments appends the lines of a YAML comment, without their '#', as the store does.
func comments(comment string, inline bool, add func(sopslib.Comment)) {
	if comment == "" {
		return
	}
	for _, line := range strings.Split(comment, "\n") {
		if line != "" {
			add(sopslib.Comment{Value: line[1:], Inline: inline})
		}
	}
}

func mapComments(branch sopslib.TreeBranch, comment string, inline bool) sopslib.TreeBranch {
	comments(comment, inline, func(c sopslib.Comment) { branch = append(branch, sopslib.TreeItem{Key: c}) })
	return branch
}

func listComments(list []any, comment string, inline bool) []any {
	comments(comment, inline, func(c sopslib.Comment) { list = append(list, c) })
	return list
}

// yamlBranch appends node (a document or a mapping) to branch.
func yamlBranch(node *yaml.Node, branch sopslib.TreeBranch, commentsHandled bool) (sopslib.TreeBranch, error) {
	var err error
	if !commentsHandled {
		branch = mapComments(branch, node.HeadComment, false)
		branch = mapComments(branch, node.LineComment, false)
	}
	switch node.Kind {
	case yaml.DocumentNode:
		for _, item := range node.Content {
			if branch, err = yamlBranch(item, branch, false); err != nil {
				return nil, err
			}
		}
	case yaml.SequenceNode:
		return nil, errors.New("YAML documents that are sequences are not supported")
	case yaml.MappingNode:
		for i := 0; i+1 < len(node.Content); i += 2 {
			key, value := node.Content[i], node.Content[i+1]
			branch = mapComments(branch, key.HeadComment, false)
			branch = mapComments(branch, key.LineComment, false)
			scalar := value.Kind == yaml.ScalarNode
			if scalar {
				branch = mapComments(branch, value.HeadComment, false)
				branch = mapComments(branch, value.LineComment, true)
			}
			var k any
			_ = key.Decode(&k) // as the store: a key that cannot be decoded is nil
			v, err := yamlValue(value, scalar)
			if err != nil {
				return nil, err
			}
			branch = append(branch, sopslib.TreeItem{Key: k, Value: v})
			if scalar {
				branch = mapComments(branch, value.FootComment, false)
			}
			branch = mapComments(branch, key.FootComment, false)
		}
	case yaml.ScalarNode:
		if node.ShortTag() == "!!null" {
			return branch, nil
		}
		return nil, errors.New("YAML documents that are values are not supported")
	}
	if !commentsHandled {
		branch = mapComments(branch, node.FootComment, false)
	}
	return branch, nil
}

// yamlValue converts a value node.
func yamlValue(node *yaml.Node, commentsHandled bool) (any, error) {
	switch node.Kind {
	case yaml.SequenceNode:
		var list []any
		if !commentsHandled {
			list = listComments(list, node.HeadComment, false)
			list = listComments(list, node.LineComment, false)
		}
		for _, item := range node.Content {
			list = listComments(list, item.HeadComment, false)
			list = listComments(list, item.LineComment, true)
			v, err := yamlValue(item, true)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
			list = listComments(list, item.FootComment, false)
		}
		if !commentsHandled {
			list = listComments(list, node.FootComment, false)
		}
		return list, nil
	case yaml.MappingNode:
		return yamlBranch(node, make(sopslib.TreeBranch, 0), commentsHandled)
	case yaml.ScalarNode:
		var v any
		_ = node.Decode(&v) // as the store
		return v, nil
	}
	return nil, nil
}
