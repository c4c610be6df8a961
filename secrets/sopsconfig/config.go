package sopsconfig

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"filippo.io/age"
	"github.com/ProtonMail/go-crypto/openpgp"
	"go.yaml.in/yaml/v3"

	"github.com/ck8sargo/ck8sargo/secrets/internal/yamlnode"
)

// KeyType is the field of a creation rule a key goes into.
type KeyType string

// The key types of the platform's repo server.
const (
	KeyTypePGP KeyType = "pgp"
	KeyTypeAge KeyType = "age"
)

// PublicKey is what a .sops.yaml creation rule names: an OpenPGP fingerprint or an age
// recipient.
type PublicKey struct {
	Type KeyType
	// ID is the fingerprint (upper-case hex) or the recipient.
	ID string
}

var fingerprintRE = regexp.MustCompile(`^(?i:[0-9a-f]{40}|[0-9a-f]{64})$`)

// ParsePublicKey reads what a user gives as "the key": a fingerprint, an age recipient
// (X25519 age1... or post-quantum age1pq1...), or the content of a key file (an armored
// OpenPGP public or private key, an age recipient file, an age identity file). The public part is returned; nothing secret is kept.
func ParsePublicKey(data []byte) (PublicKey, error) {
	s := strings.TrimSpace(string(data))
	compact := strings.ReplaceAll(s, " ", "")
	switch {
	case fingerprintRE.MatchString(compact):
		return PublicKey{Type: KeyTypePGP, ID: strings.ToUpper(compact)}, nil
	case strings.HasPrefix(s, "-----BEGIN PGP"):
		el, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(data))
		if err != nil || len(el) == 0 {
			return PublicKey{}, errors.New("not a readable armored OpenPGP key")
		}
		if len(el) > 1 {
			return PublicKey{}, errors.New("the file holds more than one OpenPGP key: give one")
		}
		return PublicKey{Type: KeyTypePGP, ID: fmt.Sprintf("%X", el[0].PrimaryKey.Fingerprint)}, nil
	case strings.Contains(s, "AGE-SECRET-KEY-"):
		ids, err := age.ParseIdentities(strings.NewReader(s))
		if err != nil || len(ids) != 1 {
			return PublicKey{}, errors.New("not an age identity file with one identity")
		}
		switch id := ids[0].(type) {
		case *age.X25519Identity:
			return PublicKey{Type: KeyTypeAge, ID: id.Recipient().String()}, nil
		case *age.HybridIdentity:
			// Post-quantum (ML-KEM-768 + X25519): sops reads age1pq1 recipients too.
			return PublicKey{Type: KeyTypeAge, ID: id.Recipient().String()}, nil
		}
		return PublicKey{}, errors.New("only X25519 and post-quantum (AGE-SECRET-KEY-PQ-1) age identities are supported")
	}
	// An age recipient, alone or in a recipients file with comments.
	var rs []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			rs = append(rs, line)
		}
	}
	if len(rs) == 1 && strings.HasPrefix(rs[0], "age1pq1") {
		if _, err := age.ParseHybridRecipient(rs[0]); err != nil {
			return PublicKey{}, errors.New("not a valid post-quantum age recipient")
		}
		return PublicKey{Type: KeyTypeAge, ID: rs[0]}, nil
	}
	if len(rs) == 1 && strings.HasPrefix(rs[0], "age1") {
		if _, err := age.ParseX25519Recipient(rs[0]); err != nil {
			return PublicKey{}, errors.New("not a valid age recipient")
		}
		return PublicKey{Type: KeyTypeAge, ID: rs[0]}, nil
	}
	return PublicKey{}, errors.New("not an OpenPGP fingerprint, an age recipient, or a key file")
}

// InitOptions say what creation rule InitConfig adds or extends.
type InitOptions struct {
	Key PublicKey
	// PathRegex is the rule's path_regex; empty makes (or extends) a rule that matches
	// every file, as in the platform's documentation.
	PathRegex string
	// EncryptedRegex is set on a new rule, e.g. ^(data|stringData)$ for Secret manifests.
	EncryptedRegex string
}

// InitResult says what InitConfig did.
type InitResult struct {
	// Created: there was no .sops.yaml content before.
	Created bool `json:"created"`
	// NewRule: a rule was added; otherwise the rule with the same path_regex was extended.
	NewRule bool `json:"newRule"`
	// RuleIndex is the position (from 0) of the rule added or extended.
	RuleIndex int `json:"ruleIndex"`
	// KeyAdded is false when the rule already named the key: nothing changed.
	KeyAdded bool `json:"keyAdded"`
}

// InitConfig adds the key to the creation rule with the given path_regex in the .sops.yaml
// content existing (nil or empty for a new file), or adds such a rule: before the first
// catch-all rule (sops uses the first match, so a later rule would never be reached), or
// at the end. Every other rule, key and comment is kept; the result is re-indented in the
// file's own indentation.
func InitConfig(existing []byte, opts InitOptions) ([]byte, InitResult, error) {
	var res InitResult
	if opts.Key.ID == "" {
		return nil, res, errors.New("no key given")
	}
	if opts.PathRegex != "" {
		if _, err := regexp.Compile(opts.PathRegex); err != nil {
			return nil, res, &RegexError{Field: "path_regex", Err: err}
		}
	}
	if opts.EncryptedRegex != "" {
		if _, err := regexp.Compile(opts.EncryptedRegex); err != nil {
			return nil, res, &RegexError{Field: "encrypted_regex", Err: err}
		}
	}
	var doc yaml.Node
	if len(bytes.TrimSpace(existing)) > 0 {
		if err := yaml.Unmarshal(existing, &doc); err != nil {
			return nil, res, fmt.Errorf(".sops.yaml is not valid YAML: %w", err)
		}
	}
	if len(doc.Content) == 0 {
		res.Created = len(bytes.TrimSpace(existing)) == 0
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, res, errors.New(".sops.yaml must be a mapping with creation_rules")
	}
	rules := yamlnode.Value(root, "creation_rules")
	if rules == nil {
		rules = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		root.Content = append(root.Content, yamlnode.Str("creation_rules"), rules)
	} else if rules.Kind == yaml.ScalarNode && rules.Tag == "!!null" {
		*rules = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	}
	if rules.Kind != yaml.SequenceNode {
		return nil, res, errors.New(".sops.yaml: creation_rules must be a list")
	}
	field := string(opts.Key.Type)
	for i, r := range rules.Content {
		if r.Kind != yaml.MappingNode {
			continue
		}
		pr := yamlnode.Value(r, "path_regex")
		if pr == nil && opts.PathRegex != "" || pr != nil && pr.Value != opts.PathRegex {
			continue
		}
		res.RuleIndex = i
		added, err := addKey(r, field, opts.Key.ID)
		if err != nil {
			return nil, res, fmt.Errorf(".sops.yaml creation rule %d: %w", i+1, err)
		}
		res.KeyAdded = added
		if !added {
			return existing, res, nil
		}
		out, _, err := encodeYAML(&doc, existing)
		return out, res, err
	}
	rule := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	if opts.PathRegex != "" {
		rule.Content = append(rule.Content, yamlnode.Str("path_regex"), yamlnode.Str(opts.PathRegex))
	}
	if opts.EncryptedRegex != "" {
		rule.Content = append(rule.Content, yamlnode.Str("encrypted_regex"), yamlnode.Str(opts.EncryptedRegex))
	}
	rule.Content = append(rule.Content, yamlnode.Str(field), yamlnode.Str(opts.Key.ID))
	pos := len(rules.Content)
	if opts.PathRegex != "" {
		for i, r := range rules.Content {
			if yamlnode.Value(r, "path_regex") == nil {
				pos = i
				break
			}
		}
	}
	rules.Content = append(rules.Content[:pos], append([]*yaml.Node{rule}, rules.Content[pos:]...)...)
	res.NewRule, res.KeyAdded, res.RuleIndex = true, true, pos
	out, _, err := encodeYAML(&doc, existing)
	return out, res, err
}

// addKey adds id to a rule's pgp or age field, keeping its form (comma-separated string or
// list). It returns false when the key is already there.
func addKey(rule *yaml.Node, field, id string) (bool, error) {
	v := yamlnode.Value(rule, field)
	if v == nil {
		rule.Content = append(rule.Content, yamlnode.Str(field), yamlnode.Str(id))
		return true, nil
	}
	switch v.Kind {
	case yaml.ScalarNode:
		for _, k := range strings.Split(v.Value, ",") {
			if strings.EqualFold(strings.TrimSpace(k), id) {
				return false, nil
			}
		}
		if strings.TrimSpace(v.Value) == "" {
			v.Value = id
		} else {
			v.Value += "," + id
		}
		v.Style = 0
		return true, nil
	case yaml.SequenceNode:
		for _, k := range v.Content {
			if strings.EqualFold(strings.TrimSpace(k.Value), id) {
				return false, nil
			}
		}
		v.Content = append(v.Content, yamlnode.Str(id))
		return true, nil
	}
	return false, fmt.Errorf("%s must be a string or a list", field)
}

// encodeYAML writes doc back with the indentation the original text used (2 when unknown).
func encodeYAML(doc *yaml.Node, original []byte) ([]byte, InitResult, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(yamlnode.DetectIndent(original))
	if err := enc.Encode(doc); err != nil {
		return nil, InitResult{}, err
	}
	if err := enc.Close(); err != nil {
		return nil, InitResult{}, err
	}
	return buf.Bytes(), InitResult{}, nil
}

// RegexError: InitOptions.PathRegex or EncryptedRegex is not a regular expression.
type RegexError struct {
	// Field is the creation rule's field: path_regex or encrypted_regex.
	Field string
	Err   error
}

func (e *RegexError) Error() string { return e.Field + ": " + e.Err.Error() }

func (e *RegexError) Unwrap() error { return e.Err }
