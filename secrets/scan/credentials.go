package scan

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/rs/zerolog"
	"github.com/spf13/viper"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/logging"
	gitleaksregexp "github.com/zricethezav/gitleaks/v8/regexp"
	"go.yaml.in/yaml/v3"
)

// detector is gitleaks' detector with its own default rule set (cloud keys, tokens, generic
// API keys and passwords), built once: compiling its rules takes tens of milliseconds.
var detector = sync.OnceValues(func() (*detect.Detector, error) {
	// gitleaks logs to stderr through a package logger; a library must not print.
	logging.Logger = zerolog.Nop()
	v := viper.New()
	v.SetConfigType("toml")
	if err := v.ReadConfig(strings.NewReader(config.DefaultConfig)); err != nil {
		return nil, fmt.Errorf("reading gitleaks' rule set: %w", err)
	}
	var vc config.ViperConfig
	if err := v.Unmarshal(&vc); err != nil {
		return nil, fmt.Errorf("reading gitleaks' rule set: %w", err)
	}
	cfg, err := vc.Translate()
	if err != nil {
		return nil, fmt.Errorf("reading gitleaks' rule set: %w", err)
	}
	for _, r := range ownRules() {
		if err := r.Allowlists[0].Validate(); err != nil {
			return nil, err
		}
		cfg.Rules[r.RuleID] = r
		cfg.OrderedRules = append(cfg.OrderedRules, r.RuleID)
		for _, k := range r.Keywords {
			cfg.Keywords[k] = struct{}{}
		}
	}
	d := detect.NewDetector(cfg)
	d.MaxDecodeDepth = 0
	return d, nil
})

// ownRules are rules gitleaks' set lacks for the files of a GitOps repository: its generic
// rule takes values of word characters only, so a password such as "Xk9#mQ2$vL8p" in a .env
// file, a kustomize secretGenerator literal or a values file passes it. These take any
// value after a key that ends in a credential word, above a modest entropy, and leave
// references (${VAR}, {{ .Values.x }}, <placeholder>, ENC[...]) and key names that only
// point at a secret (secretName, tokenFile, existingSecret) alone.
func ownRules() []config.Rule {
	return []config.Rule{{
		RuleID:      "ck8sargo-credential-assignment",
		Description: "a password, token or secret key assigned a literal value",
		Regex:       gitleaksregexp.MustCompile(`(?i)(?:^|[\s"'{,\-])[\w.-]*?(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|secret[_-]?key|client[_-]?secret|credentials?)["']?[ \t]*(?:=|:)[ \t]*["']?([^\s"'#{}$<>|&*!\[\]][^\s"']{5,})`),
		SecretGroup: 1,
		Entropy:     3.0,
		Keywords:    []string{"passw", "pwd", "secret", "token", "api_key", "api-key", "apikey", "private_key", "access_key", "access-key", "client_secret", "credential"},
		Allowlists: []*config.Allowlist{{
			Description: "references and placeholders, not values",
			Regexes: []*gitleaksregexp.Regexp{
				gitleaksregexp.MustCompile(`^(?:ENC\[|\$\{|\$\(|\{\{|<|%|/|\.\.?/|~/|https?://|file://|vault:|ref\+|secrets(?:\+[a-z-]+)?://)`),
				gitleaksregexp.MustCompile(`^[a-z]+(?:-[a-z]+)+$`), // a resource name: existingSecret: db-credentials
				gitleaksregexp.MustCompile(`(?i)^(?:true|false|null|none|required|optional|changeme|change-me|replace-?me|example|redacted|x{4,}|\*+)$`),
			},
			StopWords: []string{"example", "placeholder", "your-", "your_", "dummy", "redacted", "xxxxxx"},
		}},
	}}
}

// ciphertextRE matches what is encrypted on purpose and so is no credential: sops values
// (ENC[...]) and the armored data keys in sops metadata and SealedSecret-like files.
var ciphertextRE = regexp.MustCompile(`ENC\[AES256_GCM,[^\]]*\]|(?s)-----BEGIN (PGP MESSAGE|AGE ENCRYPTED FILE)-----.*?-----END (PGP MESSAGE|AGE ENCRYPTED FILE)-----`)

// Credentials finds credentials in a text file with gitleaks' rule set (v8, its detect
// package): cloud provider keys, API tokens, passwords in .env files, kustomize
// secretGenerator literals and values files, and the like. One finding per match, naming
// the gitleaks rule, never the value. Ciphertext (sops values and data keys, SealedSecret
// encryptedData) is not looked at; private keys are PrivateKeys' to report.
func Credentials(file string, data []byte) ([]Finding, error) {
	d, err := detector()
	if err != nil {
		return nil, err
	}
	masked := data
	if locs := ciphertextRE.FindAllIndex(data, -1); locs != nil {
		masked = bytes.Clone(data)
		for _, l := range locs {
			blank(masked[l[0]:l[1]])
		}
	}
	skip := sealedLines(data)
	var out []Finding
	//lint:ignore SA1019 sources.Fragment arrives with gitleaks v9; v8's Detect takes this type
	for _, f := range d.Detect(detect.Fragment{Raw: string(masked), FilePath: file}) {
		line := f.StartLine + 1
		if f.RuleID == "private-key" || skip[line] {
			continue
		}
		out = append(out, Finding{
			Check: CheckCredential, File: file, Line: line, Column: f.StartColumn, Rule: f.RuleID,
			Message:     fmt.Sprintf("looks like a credential (%s)", f.Description),
			Remediation: "move the value into a sops-encrypted values file, a SealedSecret or Vault, rotate it if it was ever pushed; if it is no secret, add `ck8sargo:allow` to the line or an entry to secrets.scan.allow in .ck8sargo.yaml",
		})
	}
	return out, nil
}

// blank overwrites b with spaces, keeping its newlines so that lines keep their numbers.
func blank(b []byte) {
	for i, c := range b {
		if c != '\n' {
			b[i] = ' '
		}
	}
}

// sealedLines are the lines of SealedSecret encryptedData values: ciphertext for the
// controller's key, as safe to commit as sops values.
func sealedLines(data []byte) map[int]bool {
	if !bytes.Contains(data, []byte("SealedSecret")) {
		return nil
	}
	docs, _ := documents(data)
	out := map[int]bool{}
	for _, d := range docs {
		if scalar(d, "kind") != "SealedSecret" {
			continue
		}
		ed := mappingValue(mappingValue(d, "spec"), "encryptedData")
		if ed == nil || ed.Kind != yaml.MappingNode {
			continue
		}
		for i := 1; i < len(ed.Content); i += 2 {
			v := ed.Content[i]
			end := v.Line + strings.Count(v.Value, "\n") + 1
			for l := ed.Content[i-1].Line; l <= end; l++ {
				out[l] = true
			}
		}
	}
	return out
}
