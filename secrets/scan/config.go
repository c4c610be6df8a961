package scan

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ck8sargo/ck8sargo/secrets/internal/yamlnode"
)

// ConfigFileName is the file sops reads its creation rules from. sops ignores the
// alternate spelling .sops.yml, and so does this package.
const ConfigFileName = ".sops.yaml"

// Config is the part of a .sops.yaml file that says which files are encrypted how.
type Config struct {
	// Dir is the directory of the .sops.yaml (slash-separated, relative to the scanned
	// file system; "." for its root). Rules match paths relative to it, as in sops.
	Dir   string
	Rules []Rule
}

// Rule is one creation rule. Only the fields that decide what is encrypted and for whom
// are kept; sops itself reads the rest.
type Rule struct {
	// Index is the rule's position in creation_rules, from 0.
	Index int
	// Line is the line of the rule in .sops.yaml.
	Line      int
	PathRegex string
	// EncryptionSettings are the rule's encrypted_regex, unencrypted_regex,
	// encrypted_suffix, unencrypted_suffix, encrypted_comment_regex and
	// unencrypted_comment_regex: which leaves sops encrypts.
	EncryptionSettings
	MACOnlyEncrypted bool
	// PGP are the fingerprints and Age the recipients of the rule, from its pgp and age
	// fields and from its key_groups.
	PGP []string
	Age []string

	pathRE *regexp.Regexp
}

type rawRule struct {
	PathRegex        string `yaml:"path_regex"`
	rawSettings      `yaml:",inline"`
	MACOnlyEncrypted bool       `yaml:"mac_only_encrypted"`
	PGP              keyList    `yaml:"pgp"`
	Age              keyList    `yaml:"age"`
	KeyGroups        []rawGroup `yaml:"key_groups"`
}

// rawSettings decodes EncryptionSettings from a creation rule or from a file's sops
// metadata, which use the same keys. The yaml tags live here so that the exported type
// carries none.
type rawSettings struct {
	EncryptedRegex          string `yaml:"encrypted_regex"`
	UnencryptedRegex        string `yaml:"unencrypted_regex"`
	EncryptedSuffix         string `yaml:"encrypted_suffix"`
	UnencryptedSuffix       string `yaml:"unencrypted_suffix"`
	EncryptedCommentRegex   string `yaml:"encrypted_comment_regex"`
	UnencryptedCommentRegex string `yaml:"unencrypted_comment_regex"`
}

type rawGroup struct {
	PGP []string `yaml:"pgp"`
	Age []string `yaml:"age"`
}

// keyList is a sops key field: a comma-separated string or a list of strings.
type keyList []string

func (k *keyList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		for _, s := range strings.Split(n.Value, ",") {
			if s = strings.TrimSpace(s); s != "" {
				*k = append(*k, s)
			}
		}
		return nil
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		for _, s := range l {
			if s = strings.TrimSpace(s); s != "" {
				*k = append(*k, s)
			}
		}
		return nil
	}
	return fmt.Errorf("line %d: a key list must be a string or a list of strings", n.Line)
}

// ParseConfig reads a .sops.yaml. dir is where the file lives (see Config.Dir). A file
// without creation rules gives a Config without rules, as sops treats it as absent.
func ParseConfig(dir string, data []byte) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", ConfigFileName, err)
	}
	c := &Config{Dir: dir}
	if len(doc.Content) == 0 {
		return c, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("parsing %s: line %d: the file must be a mapping with creation_rules", ConfigFileName, root.Line)
	}
	rules := yamlnode.Value(root, "creation_rules")
	if rules == nil || rules.Kind == yaml.ScalarNode && rules.Tag == "!!null" {
		return c, nil
	}
	if rules.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("parsing %s: line %d: creation_rules must be a list", ConfigFileName, rules.Line)
	}
	for i, n := range rules.Content {
		var r rawRule
		if err := n.Decode(&r); err != nil {
			return nil, fmt.Errorf("parsing %s: creation rule %d: %w", ConfigFileName, i+1, err)
		}
		rule := Rule{
			Index: i, Line: n.Line, PathRegex: r.PathRegex,
			EncryptionSettings: EncryptionSettings(r.rawSettings),
			MACOnlyEncrypted:   r.MACOnlyEncrypted, PGP: r.PGP, Age: r.Age,
		}
		for _, g := range r.KeyGroups {
			rule.PGP = append(rule.PGP, g.PGP...)
			rule.Age = append(rule.Age, g.Age...)
		}
		if err := rule.compile(); err != nil {
			return nil, fmt.Errorf("parsing %s: creation rule %d (line %d): %w", ConfigFileName, i+1, n.Line, err)
		}
		c.Rules = append(c.Rules, rule)
	}
	return c, nil
}

func (r *Rule) compile() error {
	var err error
	if r.PathRegex != "" {
		if r.pathRE, err = regexp.Compile(r.PathRegex); err != nil {
			return fmt.Errorf("path_regex: %w", err)
		}
	}
	for name, re := range map[string]string{
		"encrypted_regex": r.EncryptedRegex, "unencrypted_regex": r.UnencryptedRegex,
		"encrypted_comment_regex": r.EncryptedCommentRegex, "unencrypted_comment_regex": r.UnencryptedCommentRegex,
	} {
		if _, err := regexp.Compile(re); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	n := 0
	for _, s := range []string{r.EncryptedRegex, r.UnencryptedRegex, r.EncryptedSuffix, r.UnencryptedSuffix, r.EncryptedCommentRegex, r.UnencryptedCommentRegex} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		// sops refuses such a rule too.
		return errors.New("only one of encrypted_regex, unencrypted_regex, encrypted_suffix, unencrypted_suffix, encrypted_comment_regex and unencrypted_comment_regex may be set")
	}
	return nil
}

// RuleFor returns the creation rule sops would use for file (slash-separated, relative to
// the scanned file system like Config.Dir): the first rule whose path_regex matches the path
// relative to the config's directory, or the first rule without path_regex, whichever comes
// first. It returns nil when no rule matches.
func (c *Config) RuleFor(file string) *Rule {
	rel := file
	if c.Dir != "" && c.Dir != "." {
		rel = strings.TrimPrefix(file, c.Dir+"/")
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		if r.pathRE == nil || r.pathRE.MatchString(rel) {
			return r
		}
	}
	return nil
}

// Describe names the rule for messages: "creation rule 2 (path_regex secrets.*\.yaml)".
func (r *Rule) Describe() string {
	if r.PathRegex == "" {
		return fmt.Sprintf("creation rule %d (no path_regex)", r.Index+1)
	}
	return fmt.Sprintf("creation rule %d (path_regex %s)", r.Index+1, r.PathRegex)
}

// FindConfig returns the .sops.yaml that governs file in fsys: the nearest one in the
// file's directory or above it, up to the root of fsys. It returns nil, nil when there is
// none.
func FindConfig(fsys fs.FS, file string) (*Config, error) {
	dir := path.Dir(file)
	for {
		p := path.Join(dir, ConfigFileName)
		data, err := fs.ReadFile(fsys, p)
		if err == nil {
			c, err := ParseConfig(dir, data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			return c, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if dir == "." || dir == "/" || dir == "" {
			return nil, nil
		}
		dir = path.Dir(dir)
	}
}
