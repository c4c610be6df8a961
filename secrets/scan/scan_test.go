package scan_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/secrets/scan"
)

// enc is a value shaped like sops writes it.
const enc = "ENC[AES256_GCM,data:Zm9vYmFy,iv:AAAAAAAAAAAAAAAAAAAAAA==,tag:BBBBBBBBBBBBBBBBBBBBBB==,type:str]"

// sopsMeta is the metadata block of a sops YAML file.
const sopsMeta = `sops:
    age:
        - recipient: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
          enc: |
            -----BEGIN AGE ENCRYPTED FILE-----
            YWdl
            -----END AGE ENCRYPTED FILE-----
    lastmodified: "2026-11-25T18:00:00Z"
    mac: ` + enc + `
    unencrypted_suffix: _unencrypted
    version: 3.13.3
`

const planted = "hunter2-planted-value"

func TestPlaintextSecrets(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		lines []int
		keys  []string
	}{
		{
			name:  "fires on data and stringData with values",
			data:  "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\ndata:\n  password: aHVudGVyMg==\nstringData:\n  user: " + planted + "\n",
			lines: []int{6, 8}, keys: []string{"data", "stringData"},
		},
		{
			name:  "fires on the second document only",
			data:  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  k: dg==\n",
			lines: []int{12}, keys: []string{"data"},
		},
		{
			name:  "fires inside a List",
			data:  "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n  stringData:\n    k: v\n",
			lines: []int{8}, keys: []string{"stringData"},
		},
		{name: "passes an empty Secret", data: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata: {}\nstringData:\n  k: \"\"\n"},
		{name: "passes a sops-encrypted Secret", data: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  k: " + enc + "\n" + sopsMeta},
		{name: "passes a SealedSecret", data: "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: s\nspec:\n  encryptedData:\n    k: AgBy3i4OJSWK+PiTySYZZA==\n"},
		{name: "passes a template value", data: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  k: '{{ .Values.password }}'\n"},
		{name: "passes what is not YAML", data: "{{- if .Values.x }}\nkind: Secret\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scan.PlaintextSecrets("s.yaml", []byte(tt.data))
			var lines []int
			var keys []string
			for _, f := range got {
				assert.Equal(t, scan.CheckPlaintextSecret, f.Check)
				assert.NotContains(t, f.Message, planted)
				assert.NotContains(t, f.Message, "aHVudGVyMg")
				lines = append(lines, f.Line)
				keys = append(keys, f.Key)
			}
			assert.Equal(t, tt.lines, lines)
			assert.Equal(t, tt.keys, keys)
		})
	}
}

func TestDetectEncryption(t *testing.T) {
	tests := []struct {
		name string
		data string
		want scan.Encryption
	}{
		{"plaintext YAML", "a: b\n", scan.Plaintext},
		{"YAML with sops and MAC", "a: " + enc + "\n" + sopsMeta, scan.Encrypted},
		{"YAML with sops but no MAC", "a: " + enc + "\nsops:\n    version: 3.13.3\n", scan.NoMAC},
		{"JSON with sops and MAC", `{"a": "` + enc + `", "sops": {"mac": "` + enc + `", "version": "3.13.3"}}`, scan.Encrypted},
		{"dotenv with sops and MAC", "A=" + enc + "\nsops_mac=" + enc + "\nsops_version=3.13.3\n", scan.Encrypted},
		{"a key named sops nested is not metadata", "x:\n  sops: 1\n", scan.Plaintext},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, scan.DetectEncryption([]byte(tt.data)))
		})
	}
}

func TestCheckEncryption(t *testing.T) {
	rule := func(yaml string) *scan.Rule {
		c, err := scan.ParseConfig(".", []byte("creation_rules:\n"+yaml))
		require.NoError(t, err)
		return c.RuleFor("secrets.yaml")
	}
	tests := []struct {
		name string
		file string
		data string
		rule *scan.Rule
		keys []string
		want scan.Encryption
	}{
		{name: "passes a fully encrypted file", file: "secrets.yaml", data: "db:\n  password: " + enc + "\n  port_unencrypted: 5432\nlist:\n- " + enc + "\n" + sopsMeta, want: scan.Encrypted},
		{name: "fires on a leaf added in plaintext", file: "secrets.yaml", data: "db:\n  password: " + planted + "\n  user: " + enc + "\n" + sopsMeta, keys: []string{"db.password"}, want: scan.Encrypted},
		{name: "fires on a list item in plaintext", file: "secrets.yaml", data: "tokens:\n- " + enc + "\n- " + planted + "\n" + sopsMeta, keys: []string{"tokens"}, want: scan.Encrypted},
		{name: "passes empty and null values", file: "secrets.yaml", data: "a: \"\"\nb: null\nc: " + enc + "\n" + sopsMeta, want: scan.Encrypted},
		{
			name: "uses the rule's encrypted_regex over the file's metadata", file: "secrets.yaml",
			data: "password: " + planted + "\nreplicas: 2\n" + sopsMeta,
			rule: rule("- encrypted_regex: ^password$\n  age: age1x\n"), keys: []string{"password"}, want: scan.Encrypted,
		},
		{
			name: "honours unencrypted_regex of the rule", file: "secrets.yaml",
			data: "public: hello\nsecret: " + enc + "\n" + sopsMeta,
			rule: rule("- unencrypted_regex: ^public$\n"), want: scan.Encrypted,
		},
		{
			name: "honours encrypted_suffix", file: "secrets.yaml",
			data: "name: app\ntoken_secret: " + planted + "\n" + sopsMeta,
			rule: rule("- encrypted_suffix: _secret\n"), keys: []string{"token_secret"}, want: scan.Encrypted,
		},
		{
			name: "honours encrypted_comment_regex", file: "secrets.yaml",
			data: "name: app\n# sops:enc\ntoken: " + planted + "\n" + sopsMeta,
			rule: rule("- encrypted_comment_regex: sops:enc\n"), keys: []string{"token"}, want: scan.Encrypted,
		},
		{name: "fires on a plaintext file", file: "secrets.yaml", data: "password: " + planted + "\n", keys: []string{""}, want: scan.Plaintext},
		{name: "fires on metadata without MAC", file: "secrets.yaml", data: "password: " + enc + "\nsops:\n    version: 3.13.3\n", keys: []string{""}, want: scan.NoMAC},
		{name: "fires on a dotenv value in plaintext", file: "app.env", data: "A=" + enc + "\nB=" + planted + "\nsops_mac=" + enc + "\n", keys: []string{"B"}, want: scan.Encrypted},
		{name: "fires on a JSON leaf in plaintext", file: "s.json", data: `{"a": "` + planted + `", "sops": {"mac": "` + enc + `"}}`, keys: []string{"a"}, want: scan.Encrypted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := scan.CheckEncryption(tt.file, []byte(tt.data), tt.rule)
			assert.Equal(t, tt.want, st.Encryption)
			var keys []string
			for _, f := range st.Findings {
				assert.Equal(t, scan.CheckUnencryptedFile, f.Check)
				assert.NotContains(t, f.Message, planted)
				assert.Positive(t, f.Line)
				keys = append(keys, f.Key)
			}
			assert.Equal(t, tt.keys, keys)
		})
	}
}

func TestPrivateKeys(t *testing.T) {
	body := strings.Repeat("mQINBGV0c3RrZXkBEADx9k2b", 4)
	data := "a: 1\nkey: |\n  -----BEGIN PGP PRIVATE KEY BLOCK-----\n  Comment: test\n\n  " + body + "\n# AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n-----BEGIN OPENSSH PRIVATE KEY-----\n" + body[:40] + "\n" + body[:40] + "\n-----BEGIN PGP PUBLIC KEY BLOCK-----\nage1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n" +
		`{"tls.key": "-----BEGIN RSA PRIVATE KEY-----\n` + body + `\n-----END RSA PRIVATE KEY-----"}` + "\n"
	got := scan.PrivateKeys("k.yaml", []byte(data))
	require.Len(t, got, 4)
	assert.Equal(t, []int{3, 7, 8, 13}, []int{got[0].Line, got[1].Line, got[2].Line, got[3].Line})
	assert.Equal(t, 3, got[0].Column)
	assert.Equal(t, 3, got[1].Column)
	for _, f := range got {
		assert.NotContains(t, f.Message, "QQQQ")
	}
}

func TestPrivateKeys_documentationNamingAMarkerIsNoKey(t *testing.T) {
	for _, doc := range []string{
		"The file starts with `-----BEGIN PGP PRIVATE KEY BLOCK-----`: keep it out of git.\n",
		"-----BEGIN OPENSSH PRIVATE KEY-----\n...\n-----END OPENSSH PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\n<your key here>\n",
		"an age identity looks like AGE-SECRET-KEY-1... and goes in key.txt\n",
		"| `private-key` | an armored PGP private key block, an `AGE-SECRET-KEY-1...` identity, a PEM private key |\n",
	} {
		assert.Empty(t, scan.PrivateKeys("README.md", []byte(doc)), doc)
	}
}

func TestConflictMarkers(t *testing.T) {
	sopsFile := "a: " + enc + "\n<<<<<<< HEAD\nb: " + enc + "\n=======\nb: " + enc + "\n>>>>>>> feature\n" + sopsMeta
	got := scan.ConflictMarkers("s.yaml", []byte(sopsFile))
	var lines []int
	for _, f := range got {
		lines = append(lines, f.Line)
	}
	assert.Equal(t, []int{2, 4, 6}, lines)
	assert.Empty(t, scan.ConflictMarkers("p.yaml", []byte("<<<<<<< HEAD\na: 1\n=======\n")), "plaintext files are not checked")
}

func TestParseConfig(t *testing.T) {
	t.Run("rules match like sops: first matching path_regex or catch-all", func(t *testing.T) {
		c, err := scan.ParseConfig("charts/app", []byte(`# keep me
creation_rules:
  - path_regex: secrets\.prod\.yaml$
    pgp: AAAA, BBBB
  - age:
      - age1one
      - age1two
  - path_regex: never
`))
		require.NoError(t, err)
		r := c.RuleFor("charts/app/secrets.prod.yaml")
		require.NotNil(t, r)
		assert.Equal(t, 0, r.Index)
		assert.Equal(t, []string{"AAAA", "BBBB"}, r.PGP)
		r = c.RuleFor("charts/app/values.yaml")
		require.NotNil(t, r)
		assert.Equal(t, 1, r.Index)
		assert.Equal(t, []string{"age1one", "age1two"}, r.Age)
	})
	t.Run("key groups add their keys", func(t *testing.T) {
		c, err := scan.ParseConfig(".", []byte("creation_rules:\n- key_groups:\n  - pgp: [F1]\n    age: [age1a]\n"))
		require.NoError(t, err)
		assert.Equal(t, []string{"F1"}, c.Rules[0].PGP)
		assert.Equal(t, []string{"age1a"}, c.Rules[0].Age)
	})
	t.Run("no rule matches", func(t *testing.T) {
		c, err := scan.ParseConfig(".", []byte("creation_rules:\n- path_regex: ^x$\n"))
		require.NoError(t, err)
		assert.Nil(t, c.RuleFor("y"))
	})
	for _, bad := range []string{"creation_rules: 3\n", "- a\n", "creation_rules:\n- path_regex: '('\n", "creation_rules:\n- encrypted_regex: a\n  unencrypted_suffix: b\n", ":\n  - ["} {
		t.Run("refuses "+strings.ReplaceAll(bad, "\n", " "), func(t *testing.T) {
			_, err := scan.ParseConfig(".", []byte(bad))
			assert.Error(t, err)
		})
	}
}

func TestSecretsValueFiles(t *testing.T) {
	app := `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  namespace: argocd-system
spec:
  sources:
    - repoURL: https://git.example.com/shop.git
      path: charts/shop
      helm:
        valueFiles:
          - values.yaml
          - secrets://secrets.yaml
          - secrets+age-import:///keys/key.txt?secrets.prod.yaml
          - secrets://$values/env/secrets.yaml
          - secrets://https://example.com/s.yaml
          - secrets://../../../etc/passwd
        fileParameters:
          - name: password
            path: secrets+literal://vals!ref+vault://secret/user/#/password
          - name: cert
            path: secrets://cert.yaml
`
	refs := scan.SecretsValueFiles("apps/shop.yaml", []byte(app))
	var paths []string
	for _, r := range refs {
		assert.Equal(t, "argocd-system/shop", r.Application)
		paths = append(paths, r.Path)
	}
	assert.Equal(t, []string{"charts/shop/secrets.yaml", "charts/shop/secrets.prod.yaml", "env/secrets.yaml", "", "", "charts/shop/cert.yaml"}, paths)
	assert.Equal(t, 13, refs[0].Line)
}

func TestScan(t *testing.T) {
	fsys := fstest.MapFS{
		"charts/shop/.sops.yaml":             {Data: []byte("creation_rules:\n  - age: age1x\n")},
		"charts/shop/values.yaml":            {Data: []byte("replicas: 2\n")},
		"charts/shop/secrets.yaml":           {Data: []byte("password: " + planted + "\n")},
		"charts/shop/secrets.prod.yaml":      {Data: []byte("password: " + enc + "\n" + sopsMeta)},
		"charts/shop/templates/secrets.yaml": {Data: []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  password: '{{ .Values.password }}'\n")},
		"charts/shop/creds.yaml":             {Data: []byte("token: " + planted + "\n")},
		"apps/shop.yaml": {Data: []byte(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
spec:
  source:
    path: charts/shop
    helm:
      valueFiles:
        - secrets://creds.yaml
`)},
		"manifests/secret.yaml": {Data: []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  k: dg==\n")},
		"keys/key.txt":          {Data: []byte("# created: 2026\nAGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n")},
		".git/config":           {Data: []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----\n")},
		"bin/blob":              {Data: []byte("\x00-----BEGIN PGP PRIVATE KEY BLOCK-----")},
	}
	res, err := scan.Scan(context.Background(), fsys, ".")
	require.NoError(t, err)
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.File+":"+string(f.Check))
		assert.NotContains(t, f.String(), planted)
	}
	assert.Equal(t, []string{
		"charts/shop/creds.yaml:unencrypted-secrets-file",
		"charts/shop/secrets.yaml:unencrypted-secrets-file",
		"keys/key.txt:private-key",
		"manifests/secret.yaml:plaintext-secret",
	}, got)
	assert.Equal(t, 1, res.Skipped)

	t.Run("a hook given only the Application still checks the file it references", func(t *testing.T) {
		res, err := scan.Scan(context.Background(), fsys, "apps/shop.yaml")
		require.NoError(t, err)
		require.Len(t, res.Findings, 1)
		assert.Equal(t, "charts/shop/creds.yaml", res.Findings[0].File)
		assert.Contains(t, res.Findings[0].Message, "apps/shop.yaml:10")
	})
	t.Run("a missing path is an error", func(t *testing.T) {
		_, err := scan.Scan(context.Background(), fsys, "nope.yaml")
		assert.Error(t, err)
	})
}
