package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
	"github.com/ck8sargo/ck8sargo/policy"
	"github.com/ck8sargo/ck8sargo/policy/report"
	"github.com/ck8sargo/ck8sargo/policy/rules"
)

// sample is a report with every kind of finding: with and without line, rendered,
// suppressed, each severity.
func sample() policy.Report {
	app := policy.ObjectRef{APIVersion: "argoproj.io/v1alpha1", Kind: "Application", Namespace: "argocd-system", Name: "shop"}
	rep := policy.Report{Findings: []policy.Finding{
		{Rule: "no-create-namespace", Severity: policy.SeverityError, Message: "syncOptions has CreateNamespace=true", Remediation: "Remove it.", File: "apps/shop.yaml", Line: 12, Object: app},
		{Rule: "no-namespace-resource", Severity: policy.SeverityError, Message: "Namespace \"shop\" would be created", File: "chart/templates/ns.yaml", Object: policy.ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: "shop"}, Application: "shop"},
		{Rule: "minimum-replicas", Severity: policy.SeverityWarning, Message: "Deployment \"web\" has 1 replica(s)", File: "apps/web, 1.yaml", Line: 3, Object: policy.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}, Suppressed: true, SuppressReason: "batch: one replica"},
		{Rule: "not-rendered", Severity: policy.SeverityInfo, Message: "source is another repository", File: "apps/shop.yaml", Line: 1, Object: app},
		{Rule: "invalid-manifest", Severity: policy.SeverityError, Message: "not a text file: 100%\nbinary", File: "bin.yaml"},
	}, Summary: policy.Summary{Files: 4, Objects: 3}}
	rep.Count()
	return rep
}

func write(t *testing.T, format string, rep policy.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, report.Write(&buf, format, rep, report.Options{Rules: rules.Builtin(), ToolVersion: "1.2.3", InformationURI: "https://github.com/ck8sargo/ck8sargo"}))
	return buf.Bytes()
}

func TestJSONIsTheDocumentedContract(t *testing.T) {
	out := write(t, "json", sample())
	var got struct {
		Findings []map[string]any `json:"findings"`
		Summary  map[string]int   `json:"summary"`
	}
	require.NoError(t, json.Unmarshal(out, &got))
	require.Len(t, got.Findings, 5)
	first := got.Findings[0]
	for _, key := range []string{"rule", "severity", "message", "remediation", "file", "line", "object", "application", "suppressed"} {
		assert.Contains(t, first, key)
	}
	assert.Equal(t, "error", first["severity"])
	assert.Equal(t, float64(12), first["line"])
	assert.Equal(t, map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "namespace": "argocd-system", "name": "shop"}, first["object"])
	assert.Equal(t, "shop", got.Findings[1]["application"])
	assert.NotContains(t, got.Findings[1], "line", "rendered objects have no line")
	assert.Equal(t, true, got.Findings[2]["suppressed"])
	assert.Equal(t, map[string]int{"files": 4, "objects": 3, "errors": 3, "warnings": 0, "infos": 1, "suppressed": 1}, got.Summary)

	var back policy.Report
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, sample(), back, "the JSON report reads back into the same report")

	empty := write(t, "json", policy.Report{})
	assert.Contains(t, string(empty), `"findings": []`)
}

// sarifSchema reads the SARIF 2.1.0 JSON schema that github.com/owenrumney/go-sarif ships
// in its source, from the module cache, rather than a copy in this repository.
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir, err := testenv.ModuleDir(ctx, "github.com/owenrumney/go-sarif/v3@v3.3.1")
	require.NoError(t, err, "downloading the module that carries the SARIF schema")
	src, err := os.ReadFile(filepath.Join(dir, "pkg", "report", "v210", "sarif", "schema.go"))
	require.NoError(t, err)
	text := string(src)
	start := strings.Index(text, "`")
	end := strings.LastIndex(text, "`")
	require.Greater(t, end, start)
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(text[start+1 : end]))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	const url = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	require.NoError(t, c.AddResource(url, doc))
	sch, err := c.Compile(url)
	require.NoError(t, err)
	return sch
}

func TestSARIFValidatesAgainstTheSARIF210Schema(t *testing.T) {
	sch := sarifSchema(t)
	for name, rep := range map[string]policy.Report{"sample": sample(), "empty": {}} {
		t.Run(name, func(t *testing.T) {
			out := write(t, "sarif", rep)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			require.NoError(t, err)
			require.NoError(t, sch.Validate(inst))
		})
	}
	// The schema check is not vacuous: a result without a message is refused.
	bad, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"a"}]}]}`))
	require.NoError(t, err)
	assert.Error(t, sch.Validate(bad))
}

func TestSARIFCarriesRulesLocationsFingerprintsAndSuppressions(t *testing.T) {
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Name, Version string
					Rules         []struct {
						ID      string `json:"id"`
						HelpURI string `json:"helpUri"`
						Help    struct{ Text string }
					}
				}
			}
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation struct{ URI string }
						Region           *struct{ StartLine int }
					}
					LogicalLocations []struct{ Name, FullyQualifiedName string }
				}
				PartialFingerprints map[string]string
				Suppressions        []struct{ Kind, Justification string }
			}
		}
	}
	require.NoError(t, json.Unmarshal(write(t, "sarif", sample()), &log))
	run := log.Runs[0]
	assert.Equal(t, "ck8sargo", run.Tool.Driver.Name)
	assert.Len(t, run.Tool.Driver.Rules, len(rules.Builtin()))
	for _, r := range run.Tool.Driver.Rules {
		assert.Contains(t, r.HelpURI, "docs/policy.md#"+r.ID)
		assert.NotEmpty(t, r.Help.Text)
	}
	require.Len(t, run.Results, 5)
	for _, res := range run.Results {
		assert.Equal(t, res.RuleID, run.Tool.Driver.Rules[res.RuleIndex].ID)
		assert.Len(t, res.PartialFingerprints[report.FingerprintKey], 32)
	}
	first := run.Results[0]
	assert.Equal(t, "error", first.Level)
	assert.Equal(t, "apps/shop.yaml", first.Locations[0].PhysicalLocation.ArtifactLocation.URI)
	assert.Equal(t, 12, first.Locations[0].PhysicalLocation.Region.StartLine)
	assert.Equal(t, "argoproj.io/v1alpha1/Application/argocd-system/shop", first.Locations[0].LogicalLocations[0].FullyQualifiedName)
	assert.Nil(t, run.Results[1].Locations[0].PhysicalLocation.Region, "no region without a line")
	assert.Equal(t, "apps/web,%201.yaml", run.Results[2].Locations[0].PhysicalLocation.ArtifactLocation.URI)
	assert.Equal(t, "warning", run.Results[2].Level)
	require.Len(t, run.Results[2].Suppressions, 1)
	assert.Equal(t, "inSource", run.Results[2].Suppressions[0].Kind)
	assert.Equal(t, "batch: one replica", run.Results[2].Suppressions[0].Justification)
	assert.Equal(t, "note", run.Results[3].Level)
}

func TestFingerprintsIgnoreTheLine(t *testing.T) {
	f := sample().Findings[0]
	moved := f
	moved.Line = 40
	assert.Equal(t, report.Fingerprint(f), report.Fingerprint(moved))
	other := f
	other.Message = "something else"
	assert.NotEqual(t, report.Fingerprint(f), report.Fingerprint(other))
}

func TestJUnitIsWellFormedWithASuitePerFile(t *testing.T) {
	type testcase struct {
		Name      string `xml:"name,attr"`
		Classname string `xml:"classname,attr"`
		Failure   *struct {
			Message string `xml:"message,attr"`
			Type    string `xml:"type,attr"`
			Text    string `xml:",chardata"`
		} `xml:"failure"`
		Skipped *struct{} `xml:"skipped"`
	}
	type suites struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Skipped  int      `xml:"skipped,attr"`
		Suites   []struct {
			Name     string     `xml:"name,attr"`
			Tests    int        `xml:"tests,attr"`
			Failures int        `xml:"failures,attr"`
			Cases    []testcase `xml:"testcase"`
		} `xml:"testsuite"`
	}
	out := write(t, "junit", sample())
	require.True(t, bytes.HasPrefix(out, []byte("<?xml")))
	var got suites
	require.NoError(t, xml.Unmarshal(out, &got))
	assert.Equal(t, 5, got.Tests)
	assert.Equal(t, 3, got.Failures)
	assert.Equal(t, 1, got.Skipped)
	require.Len(t, got.Suites, 4)
	assert.Equal(t, "apps/shop.yaml", got.Suites[0].Name)
	c := got.Suites[0].Cases[0]
	assert.Equal(t, "no-create-namespace", c.Classname)
	require.NotNil(t, c.Failure)
	assert.Equal(t, "error", c.Failure.Type)
	assert.Contains(t, c.Failure.Text, "fix: Remove it.")
	assert.Nil(t, got.Suites[0].Cases[1].Failure, "an info is not a failure")

	var empty suites
	require.NoError(t, xml.Unmarshal(write(t, "junit", policy.Report{}), &empty))
	assert.Equal(t, 1, empty.Tests)
	assert.Equal(t, 0, empty.Failures)
}

func TestGitHubAnnotationsEscapeAndSkipSuppressed(t *testing.T) {
	out := string(write(t, "github", sample()))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 4)
	assert.True(t, strings.HasPrefix(lines[0], "::error file=apps/shop.yaml,line=12,title=no-create-namespace::Application argocd-system/shop: syncOptions has CreateNamespace=true%0Afix: Remove it."), lines[0])
	assert.Contains(t, out, "::notice file=apps/shop.yaml,line=1,title=not-rendered::")
	assert.Contains(t, out, "not a text file: 100%25%0Abinary")
	assert.NotContains(t, out, "minimum-replicas")
}

func TestTextGroupsByFileWithRemediation(t *testing.T) {
	out := string(write(t, "text", sample()))
	assert.Contains(t, out, "apps/shop.yaml\napps/shop.yaml:12 no-create-namespace error Application argocd-system/shop: syncOptions has CreateNamespace=true\n  fix: Remove it.\n")
	assert.Contains(t, out, "chart/templates/ns.yaml no-namespace-resource error Namespace shop: Namespace \"shop\" would be created (rendered by Application shop)\n")
	assert.NotContains(t, out, "minimum-replicas", "suppressed findings are hidden in text")
	assert.Contains(t, out, "3 object(s) in 4 file(s): 3 error(s), 0 warning(s), 1 info(s), 1 suppressed\n")
	assert.NotContains(t, out, "\x1b[")

	var buf bytes.Buffer
	require.NoError(t, report.Write(&buf, "text", sample(), report.Options{Color: true, ShowSuppressed: true}))
	assert.Contains(t, buf.String(), "\x1b[31merror\x1b[0m")
	assert.Contains(t, buf.String(), "[suppressed: batch: one replica]")
}

func TestUnknownFormatIsAnError(t *testing.T) {
	assert.ErrorContains(t, report.Write(&bytes.Buffer{}, "xml", policy.Report{}, report.Options{}), `unknown report format "xml"`)
	assert.True(t, report.ValidFormat("sarif"))
}
