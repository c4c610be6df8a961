package scan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ck8sargo/ck8sargo/policy/fix"
	"github.com/ck8sargo/ck8sargo/secrets/internal/yamlnode"
)

// Encryption says whether a file is sops-encrypted, as helm-secrets decides it: a file
// without sops metadata, or with metadata but no MAC, is passed to Helm as plaintext.
type Encryption int

const (
	// Plaintext: no sops metadata.
	Plaintext Encryption = iota
	// NoMAC: sops metadata without an encrypted MAC; helm-secrets treats the file as plaintext
	// and sops refuses to decrypt it.
	NoMAC
	// Encrypted: sops metadata with an encrypted MAC.
	Encrypted
)

func (e Encryption) String() string {
	switch e {
	case Plaintext:
		return "plaintext"
	case NoMAC:
		return "sops metadata without MAC"
	case Encrypted:
		return "encrypted"
	}
	return fmt.Sprintf("Encryption(%d)", int(e))
}

// The markers of sops metadata in the stores sops writes. They are matched as text, not
// parsed, so that a file broken by a merge conflict is still recognised as a sops file.
var (
	sopsMetadataRE = regexp.MustCompile(`(?m)^(sops:|sops_[a-z_]+=|\[sops\])|"sops"\s*:\s*\{`)
	sopsMACRE      = regexp.MustCompile(`(?m)(^\s+mac:\s*"?|"mac"\s*:\s*"|^sops_mac=|^mac\s*=\s*)ENC\[AES256_GCM,`)
	// encryptedValueRE is a value as sops writes it (aes/cipher.go).
	encryptedValueRE = regexp.MustCompile(`^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:(str|int|float|bool|bytes|datetime|comment)\]$`)
)

// DetectEncryption says whether data carries sops metadata, and whether it has a MAC.
func DetectEncryption(data []byte) Encryption {
	// Every match of sopsMetadataRE holds "sops" and starts on its line; every match of
	// sopsMACRE holds "mac" and starts on its line or, past whitespace (\s+ takes newlines),
	// on the line before. So each expression runs from there: most files hold no "sops",
	// and in a sops file the MAC is at the end.
	if meta, ok := fromLineOf(data, "sops", 0); !ok || !sopsMetadataRE.Match(meta) {
		return Plaintext
	}
	if mac, ok := fromLineOf(data, "mac", 1); !ok || !sopsMACRE.Match(mac) {
		return NoMAC
	}
	return Encrypted
}

// fromLineOf returns data from the start of the line of the first lit in it, or of the
// line before times lines before it; ok is false when lit is not in data. The start of a
// line is one for (?m)^, so an expression matches the part returned where it matches data
// from there.
func fromLineOf(data []byte, lit string, before int) (rest []byte, ok bool) {
	i := bytes.Index(data, []byte(lit))
	if i < 0 {
		return nil, false
	}
	start := bytes.LastIndexByte(data[:i], '\n') + 1
	for ; before > 0 && start > 0; before-- {
		start = bytes.LastIndexByte(data[:start-1], '\n') + 1
	}
	return data[start:], true
}

// IsEncryptedValue says whether s is a value encrypted by sops (ENC[AES256_GCM,...]).
func IsEncryptedValue(s string) bool { return encryptedValueRE.MatchString(s) }

// Format is the sops store a file is read with, chosen like sops does: by extension.
type Format int

// Formats sops writes and this package reads.
const (
	FormatYAML Format = iota
	FormatJSON
	FormatDotenv
	FormatINI
	FormatBinary
)

// FormatFor returns the sops store for a file name: .yaml/.yml, .json, .env, .ini; anything
// else is binary (sops encrypts it whole under a "data" key in JSON).
func FormatFor(name string) Format {
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml":
		return FormatYAML
	case ".json":
		return FormatJSON
	case ".env":
		return FormatDotenv
	case ".ini":
		return FormatINI
	}
	return FormatBinary
}

// EncryptionSettings are the settings that decide which leaves sops encrypts: those of a
// creation rule, or those recorded in a file's sops metadata.
type EncryptionSettings struct {
	EncryptedRegex          string
	UnencryptedRegex        string
	EncryptedSuffix         string
	UnencryptedSuffix       string
	EncryptedCommentRegex   string
	UnencryptedCommentRegex string
}

func (s EncryptionSettings) isZero() bool { return s == EncryptionSettings{} }

// defaultUnencryptedSuffix is what sops leaves in plaintext when nothing else is set.
const defaultUnencryptedSuffix = "_unencrypted"

// shouldEncrypt is sops' decision for one leaf (sops.go, shouldBeEncrypted): keys is the
// path of mapping keys to the leaf, comments the comments above each of those keys.
func (s EncryptionSettings) shouldEncrypt(keys []string, comments [][]string) bool {
	if s.isZero() {
		s.UnencryptedSuffix = defaultUnencryptedSuffix
	}
	encrypted := true
	anyKey := func(match func(string) bool) bool {
		for _, k := range keys {
			if match(k) {
				return true
			}
		}
		return false
	}
	anyComment := func(re string) bool {
		for _, cs := range comments {
			for _, c := range cs {
				if m, _ := regexp.MatchString(re, c); m {
					return true
				}
			}
		}
		return false
	}
	if s.UnencryptedSuffix != "" && anyKey(func(k string) bool { return strings.HasSuffix(k, s.UnencryptedSuffix) }) {
		encrypted = false
	}
	if s.EncryptedSuffix != "" {
		encrypted = anyKey(func(k string) bool { return strings.HasSuffix(k, s.EncryptedSuffix) })
	}
	if s.UnencryptedRegex != "" && anyKey(func(k string) bool { m, _ := regexp.MatchString(s.UnencryptedRegex, k); return m }) {
		encrypted = false
	}
	if s.EncryptedRegex != "" {
		encrypted = anyKey(func(k string) bool { m, _ := regexp.MatchString(s.EncryptedRegex, k); return m })
	}
	if s.UnencryptedCommentRegex != "" && anyComment(s.UnencryptedCommentRegex) {
		encrypted = false
	}
	if s.EncryptedCommentRegex != "" {
		encrypted = anyComment(s.EncryptedCommentRegex)
	}
	return encrypted
}

// EncryptionStatus is what CheckEncryption found in one file.
type EncryptionStatus struct {
	Encryption Encryption
	// Settings are those the leaves were checked against: the creation rule's when it sets
	// any, else the file's own sops metadata's, else sops' default (all leaves but those
	// under a key ending in _unencrypted).
	Settings EncryptionSettings
	// Findings are the leaves that must be encrypted but are in plaintext, or the file as a
	// whole (no metadata, no MAC, unreadable). Empty means the file is safe to commit.
	Findings []Finding
}

// CheckEncryption checks a file that must be sops-encrypted: it must carry sops metadata
// with a MAC, and every non-empty leaf that the creation rule (or, when the rule sets
// nothing, the file's own metadata) says sops encrypts must be an ENC[...] value. rule may
// be nil. file names the file in findings; its extension selects the format.
func CheckEncryption(file string, data []byte, rule *Rule) EncryptionStatus {
	st := EncryptionStatus{Encryption: DetectEncryption(data)}
	reason := "it must be encrypted"
	if rule != nil {
		reason = rule.Describe() + " of " + ConfigFileName + " says it must be encrypted"
		st.Settings = rule.EncryptionSettings
	}
	switch st.Encryption {
	case Plaintext:
		st.Findings = []Finding{{
			Check: CheckUnencryptedFile, File: file, Line: 1,
			Message:     "not encrypted with sops: " + reason + "; helm-secrets would pass it to Helm as plaintext",
			Remediation: "encrypt it with sops in place",
			Fix:         fix.Fix{Op: fix.EncryptFile, Subject: file},
		}}
		return st
	case NoMAC:
		st.Findings = []Finding{{
			Check: CheckUnencryptedFile, File: file, Line: 1,
			Message:     "has sops metadata but no MAC: sops cannot verify it and helm-secrets would pass it to Helm as plaintext",
			Remediation: "decrypt it with the key it was made for and encrypt it again with sops",
			Fix:         fix.Fix{Op: fix.EncryptFile, Subject: file},
		}}
		return st
	}
	var leaves []leaf
	var meta EncryptionSettings
	var err error
	switch FormatFor(file) {
	case FormatYAML, FormatJSON:
		leaves, meta, err = yamlLeaves(data)
	case FormatDotenv:
		leaves, meta = dotenvLeaves(data)
	default:
		// INI and binary files are encrypted whole or by section; the MAC is what we can check.
		return st
	}
	if err != nil {
		st.Findings = []Finding{{
			Check: CheckUnencryptedFile, File: file, Line: 1,
			Message:     "has sops metadata but cannot be read: " + err.Error(),
			Remediation: "restore the file from git history or re-encrypt it from its plaintext",
		}}
		return st
	}
	if st.Settings.isZero() {
		st.Settings = meta
	}
	for _, l := range leaves {
		if l.empty || IsEncryptedValue(l.value) || !st.Settings.shouldEncrypt(l.keys, l.comments) {
			continue
		}
		st.Findings = append(st.Findings, Finding{
			Check: CheckUnencryptedFile, File: file, Line: l.line, Column: l.column,
			Key:         strings.Join(l.keys, "."),
			Message:     fmt.Sprintf("value of %s is in plaintext in a sops-encrypted file", strings.Join(l.keys, ".")),
			Remediation: "edit the file decrypted, and encrypt it again, instead of adding values by hand",
			Fix:         fix.Fix{Op: fix.EditEncryptedFile, Subject: file},
		})
	}
	return st
}

// leaf is one scalar of a sops file; value never leaves this package.
type leaf struct {
	keys         []string
	comments     [][]string
	value        string
	empty        bool
	line, column int
}

// yamlLeaves lists the scalars of a YAML or JSON sops file outside its sops metadata, and
// the encryption settings that metadata records.
func yamlLeaves(data []byte) ([]leaf, EncryptionSettings, error) {
	var out []leaf
	var meta EncryptionSettings
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, meta, fmt.Errorf("not valid YAML: %w", err)
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if m := yamlnode.Value(root, "sops"); m != nil {
			var raw rawSettings
			if m.Decode(&raw) == nil {
				meta = EncryptionSettings(raw)
			}
		}
		var walk func(n *yaml.Node, keys []string, comments [][]string, top bool)
		walk = func(n *yaml.Node, keys []string, comments [][]string, top bool) {
			switch n.Kind {
			case yaml.MappingNode:
				for i := 0; i+1 < len(n.Content); i += 2 {
					k, v := n.Content[i], n.Content[i+1]
					if top && k.Value == "sops" {
						continue
					}
					var cs []string
					if c := strings.TrimSpace(k.HeadComment); c != "" {
						for _, line := range strings.Split(c, "\n") {
							cs = append(cs, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "#")))
						}
					}
					walk(v, append(slices.Clone(keys), k.Value), append(slices.Clone(comments), cs), false)
				}
			case yaml.SequenceNode:
				for _, c := range n.Content {
					walk(c, keys, comments, false)
				}
			case yaml.AliasNode:
				// An alias repeats a value found elsewhere, where it is checked.
			case yaml.ScalarNode:
				empty := n.Value == "" || n.Tag == "!!null"
				out = append(out, leaf{keys: keys, comments: comments, value: n.Value, empty: empty, line: n.Line, column: n.Column})
			}
		}
		walk(root, nil, nil, true)
	}
	return out, meta, nil
}

// dotenvLeaves lists the KEY=VALUE lines of a dotenv sops file, without its sops_ lines.
func dotenvLeaves(data []byte) ([]leaf, EncryptionSettings) {
	var out []leaf
	var meta EncryptionSettings
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if strings.HasPrefix(k, "sops_") {
			switch k {
			case "sops_encrypted_regex":
				meta.EncryptedRegex = v
			case "sops_unencrypted_regex":
				meta.UnencryptedRegex = v
			case "sops_encrypted_suffix":
				meta.EncryptedSuffix = v
			case "sops_unencrypted_suffix":
				meta.UnencryptedSuffix = v
			}
			continue
		}
		out = append(out, leaf{keys: []string{k}, value: v, empty: v == "", line: i + 1, column: len(k) + 2})
	}
	return out, meta
}
