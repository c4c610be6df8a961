package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"

	"github.com/ck8sargo/ck8sargo/policy"
)

// SARIFSchema is the schema URI written in SARIF reports.
const SARIFSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// FingerprintKey names the partial fingerprint of every result: a hash of the rule, file,
// object and message, without the line, so that moving a manifest within its file keeps
// the result the same in code scanning.
const FingerprintKey = "ck8sargo/v1"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string       `json:"id"`
	Name                 string       `json:"name,omitempty"`
	ShortDescription     *sarifText   `json:"shortDescription,omitempty"`
	FullDescription      *sarifText   `json:"fullDescription,omitempty"`
	Help                 *sarifText   `json:"help,omitempty"`
	HelpURI              string       `json:"helpUri,omitempty"`
	DefaultConfiguration *sarifConfig `json:"defaultConfiguration,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations,omitempty"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

func sarifLevel(s policy.Severity) string {
	switch s {
	case policy.SeverityError:
		return "error"
	case policy.SeverityWarning:
		return "warning"
	}
	return "note"
}

// writeSARIF writes one run: the rules of opts.Rules (plus any rule a finding names that
// is not among them), then one result per finding, suppressed ones with a suppression.
func writeSARIF(w io.Writer, rep policy.Report, opts Options) error {
	driver := sarifDriver{Name: opts.ToolName, Version: opts.ToolVersion, InformationURI: opts.InformationURI, Rules: []sarifRule{}}
	index := map[string]int{}
	addRule := func(r sarifRule) int {
		if i, ok := index[r.ID]; ok {
			return i
		}
		index[r.ID] = len(driver.Rules)
		driver.Rules = append(driver.Rules, r)
		return index[r.ID]
	}
	for i := range opts.Rules {
		r := &opts.Rules[i]
		addRule(sarifRule{
			ID:                   r.ID,
			Name:                 pascal(r.ID),
			ShortDescription:     &sarifText{Text: r.Title},
			FullDescription:      &sarifText{Text: r.Rationale},
			Help:                 &sarifText{Text: r.Remediation, Markdown: "**" + r.Title + "**\n\n" + r.Rationale + "\n\n**Fix:** " + r.Remediation},
			HelpURI:              r.HelpURI(),
			DefaultConfiguration: &sarifConfig{Level: sarifLevel(r.Severity)},
		})
	}
	results := make([]sarifResult, 0, len(rep.Findings))
	for _, f := range rep.Findings {
		res := sarifResult{
			RuleID:              f.Rule,
			RuleIndex:           addRule(sarifRule{ID: f.Rule}),
			Level:               sarifLevel(f.Severity),
			Message:             sarifText{Text: resultMessage(f)},
			PartialFingerprints: map[string]string{FingerprintKey: Fingerprint(f)},
		}
		var loc sarifLocation
		if f.File != "" {
			loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: fileURI(f.File)}}
			if f.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Line}
			}
		}
		if f.Object.Kind != "" {
			loc.LogicalLocations = []sarifLogical{{
				Name:               f.Object.Name,
				FullyQualifiedName: objectFQN(f.Object),
				Kind:               "resource",
			}}
		}
		if loc.PhysicalLocation != nil || loc.LogicalLocations != nil {
			res.Locations = []sarifLocation{loc}
		}
		if f.Suppressed {
			res.Suppressions = []sarifSuppression{{Kind: "inSource", Justification: f.SuppressReason}}
		}
		if f.Application != "" {
			res.Properties = map[string]any{"application": f.Application}
		}
		results = append(results, res)
	}
	log := sarifLog{Schema: SARIFSchema, Version: "2.1.0", Runs: []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func resultMessage(f policy.Finding) string {
	msg := f.Message
	if f.Application != "" {
		msg += " (rendered by Application " + f.Application + ")"
	}
	return msg
}

// fileURI makes a relative URI reference of a slash path, escaping what URIs cannot hold.
func fileURI(p string) string {
	var b strings.Builder
	for _, c := range []byte(p) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~/!$&'()*+,;=:@", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

func objectFQN(r policy.ObjectRef) string {
	parts := []string{r.APIVersion, r.Kind}
	if r.Namespace != "" {
		parts = append(parts, r.Namespace)
	}
	return strings.Join(append(parts, r.Name), "/")
}

// Fingerprint is a stable identity of a finding: rule, file, object, application and
// message, but not the line.
func Fingerprint(f policy.Finding) string {
	h := sha256.New()
	for _, s := range []string{f.Rule, f.File, objectFQN(f.Object), f.Application, f.Message} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// pascal turns a rule ID into the PascalCase name SARIF viewers show.
func pascal(id string) string {
	parts := strings.Split(id, "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}
