package scan_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/ck8sargo/ck8sargo/secrets/scan"
)

// A repository where a values file that .sops.yaml says must be encrypted was committed in
// plaintext, next to a Secret manifest with data.
func Example() {
	repo := fstest.MapFS{
		".sops.yaml":         {Data: []byte("creation_rules:\n  - path_regex: secrets\\.yaml$\n    age: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n")},
		"chart/secrets.yaml": {Data: []byte("db:\n  password: not-yet-encrypted\n")},
		"deploy/secret.yaml": {Data: []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: not-yet-encrypted\n")},
	}
	res, err := scan.Scan(context.Background(), repo, ".")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range res.Findings {
		fmt.Printf("%s:%d %s\n", f.File, f.Line, f.Check)
	}
	// Output:
	// chart/secrets.yaml:1 unencrypted-secrets-file
	// deploy/secret.yaml:5 plaintext-secret
}
