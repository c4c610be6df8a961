package scan_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/secrets/scan"
)

// Fake credentials: the shape gitleaks' rules know, values no provider ever issued.
const (
	fakeAWSKey      = "AKIAZCK7SARGQFAKEKEY"
	fakeGitHubToken = "ghp_ck8sargoFAKE1a2b3c4d5e6f7g8h9i0jKLMN"
	fakeGCPKey      = "AIzaSyCk8sArGoFaKeKeY-0123456789abcdefg"
	fakePassword    = "Xk9#mQ2$vL8pZr4!"
)

// checksOf lists file:check(rule) of each finding, and asserts no value leaks.
func checksOf(t *testing.T, res *scan.Result) []string {
	t.Helper()
	var got []string
	for _, f := range res.Findings {
		s := f.File + ":" + string(f.Check)
		if f.Rule != "" {
			s += "(" + f.Rule + ")"
		}
		got = append(got, s)
		for _, v := range []string{fakeAWSKey, fakeGitHubToken, fakeGCPKey, fakePassword, planted} {
			assert.NotContains(t, f.String()+f.Remediation+f.Fingerprint, v)
		}
	}
	return got
}

func TestScan_whatDoesNotParseAsYAMLAndGenericCredentialsAreFoundOnce(t *testing.T) {
	fsys := fstest.MapFS{
		"charts/shop/templates/secret.yaml":  {Data: []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ include \"shop.fullname\" . }}\nstringData:\n  password: " + planted + "\n  user: {{ .Values.user | quote }}\n")},
		"charts/shop/templates/_helpers.tpl": {Data: []byte("{{- define \"shop.secret\" -}}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  token: " + planted + "\n{{- end }}\n")},
		"manifests/tabs.yaml":                {Data: []byte("apiVersion: v1\nkind: Secret\nmetadata:\n\tname: tabs\ndata:\n\tpassword: aHVudGVyMg==\n")},
		"manifests/token-secret.yaml":        {Data: []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: gh\nstringData:\n  token: " + fakeGitHubToken + "\n  aws: " + fakeAWSKey + "\n")},
		"deploy/app.env":                     {Data: []byte("# app settings\nLOG_LEVEL=info\nAWS_ACCESS_KEY_ID=" + fakeAWSKey + "\nDB_PASSWORD=" + fakePassword + "\n")},
		"deploy/kustomization.yaml":          {Data: []byte("resources: [deployment.yaml]\nsecretGenerator:\n  - name: db\n    literals:\n      - password=" + fakePassword + "\n      - token=" + fakeGitHubToken + "\n")},
		"charts/shop/values.yaml":            {Data: []byte("replicas: 2\nmaps:\n  apiKey: " + fakeGCPKey + "\nexistingSecret: db-credentials\npassword: '{{ .Values.global.password }}'\n")},
		"scripts/deploy.sh":                  {Data: []byte("#!/bin/sh\nexport GITHUB_TOKEN=" + fakeGitHubToken + "\n")},
		"docs/keys.md":                       {Data: []byte("A key file starts with `-----BEGIN PRIVATE KEY-----`; never commit one.\nSet `password: <your password>` in values.\n")},
		"manifests/sealed.yaml":              {Data: []byte("apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\nspec:\n  encryptedData:\n    password: AgBy3i4OJSWK+PiTySYZZA9rJlbSKfWWq4ImEAAh2XxzVxvN3lbgQwqO1FyEP1mHNZ\n")},
	}
	res, err := scan.Scan(context.Background(), fsys, ".")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"charts/shop/templates/_helpers.tpl:plaintext-secret",
		"charts/shop/templates/secret.yaml:plaintext-secret",
		"charts/shop/values.yaml:credential(gcp-api-key)",
		"deploy/app.env:credential(aws-access-token)",
		"deploy/app.env:credential(" + "ck8sargo-credential-assignment)",
		"deploy/kustomization.yaml:plaintext-secret",
		"manifests/tabs.yaml:plaintext-secret",
		"manifests/token-secret.yaml:plaintext-secret",
		"scripts/deploy.sh:credential(github-pat)",
	}, checksOf(t, res), "a credential inside a plaintext Secret or secretGenerator is that finding, not a second one")
	for _, f := range res.Findings {
		assert.NotEmpty(t, f.Fingerprint)
		if f.File == "manifests/token-secret.yaml" {
			assert.Equal(t, 5, f.Line)
			assert.Equal(t, 7, f.EndLine)
		}
	}
}

func TestScan_allowMarkersAndAllowlistLetFindingsPass(t *testing.T) {
	fsys := fstest.MapFS{
		"a.env":          {Data: []byte("AWS_ACCESS_KEY_ID=" + fakeAWSKey + " # ck8sargo:allow a revoked test key\n")},
		"b.env":          {Data: []byte("# ck8sargo:allow: the CI sandbox account\nAWS_ACCESS_KEY_ID=" + fakeAWSKey + "\nOTHER=" + fakeGitHubToken + "\n")},
		"c.env":          {Data: []byte("TOKEN=" + fakeGitHubToken + " # gitleaks:allow\n")},
		"d.env":          {Data: []byte("A=1 # ck8sargo:allow\nTOKEN=" + fakeGitHubToken + "\n")},
		"docs/e.md":      {Data: []byte("export GITHUB_TOKEN=" + fakeGitHubToken + "\n")},
		"test/f/g.yaml":  {Data: []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  k: " + planted + "\n")},
		"test/f/h.env":   {Data: []byte("TOKEN=" + fakeGitHubToken + "\n")},
		"deploy/app.env": {Data: []byte("X=1\nAWS_ACCESS_KEY_ID=" + fakeAWSKey + "\n")},
	}
	opts := scan.Options{
		Allow: []scan.Allow{
			{Paths: []string{"docs/**"}, Reason: "examples"},
			{Paths: []string{"test/**"}, Rules: []string{"plaintext-secret"}},
		},
		Ignore: []string{"deploy/app.env:aws-access-token:2"},
	}
	res, err := scan.ScanWith(context.Background(), fsys, opts, ".")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"b.env:credential(github-pat)",
		"d.env:credential(github-pat)",
		"test/f/h.env:credential(github-pat)",
	}, checksOf(t, res), "a marker after code covers its own line only; a rule-limited entry leaves other rules")
	// c.env's line is dropped by gitleaks itself, which honours its marker before we see it.
	assert.Equal(t, 5, res.Allowed)

	res, err = scan.Scan(context.Background(), fsys, "deploy/app.env")
	require.NoError(t, err)
	require.Len(t, res.Findings, 1)
	assert.Equal(t, "deploy/app.env:aws-access-token:2", res.Findings[0].Fingerprint, "the fingerprint is the one secrets.scan.ignore takes")
}

func TestScanWith_refusesAnAllowlistThatLetsEverythingPassOrCannotBeRead(t *testing.T) {
	for name, opts := range map[string]scan.Options{
		"an entry with neither paths nor rules": {Allow: []scan.Allow{{Reason: "all"}}},
		"a bad glob":                            {Allow: []scan.Allow{{Paths: []string{"docs/["}}}},
		"an absolute path":                      {Allow: []scan.Allow{{Paths: []string{"/etc/x"}}}},
		"a fingerprint without a line":          {Ignore: []string{"a.env:github-pat"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := scan.ScanWith(context.Background(), fstest.MapFS{}, opts, ".")
			assert.ErrorContains(t, err, "allowlist")
		})
	}
}

func TestAllowGlobs(t *testing.T) {
	tests := []struct {
		pattern, file string
		want          bool
	}{
		{"docs/**", "docs/a/b.md", true},
		{"**/testdata/**", "secrets/scan/testdata/x.env", true},
		{"**/testdata/**", "testdata/x.env", true},
		{"*.md", "deep/dir/README.md", true},
		{"charts/*/values.yaml", "charts/shop/values.yaml", true},
		{"charts/*/values.yaml", "charts/shop/sub/values.yaml", false},
		{"charts/**/values.yaml", "charts/values.yaml", true},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.file, func(t *testing.T) {
			res, err := scan.ScanWith(context.Background(), fstest.MapFS{
				tt.file: {Data: []byte("TOKEN=" + fakeGitHubToken + "\n")},
			}, scan.Options{Allow: []scan.Allow{{Paths: []string{tt.pattern}}}}, ".")
			require.NoError(t, err)
			assert.Equal(t, tt.want, res.Allowed == 1)
		})
	}
}
