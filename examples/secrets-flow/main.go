// Command secrets-flow embeds the helm-secrets flow of the platform in one program: it makes
// an age key, writes .sops.yaml, encrypts a chart's values file in process, wires it into an
// Argo CD Application, scans the repository as a pre-commit hook would, and decrypts the
// file again with the key to prove the round trip. It prints no value.
//
//	go run ./examples/secrets-flow -dir /tmp/shop-repo
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ck8sargo/ck8sargo/secrets/scan"
	"github.com/ck8sargo/ck8sargo/secrets/sops"
	"github.com/ck8sargo/ck8sargo/secrets/sopsconfig"
	"github.com/ck8sargo/ck8sargo/secrets/wire"
)

const values = `db:
    user: shop
    password: change-me
`

const application = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  namespace: argocd-system
spec:
  project: default
  source:
    repoURL: https://git.example.com/shop.git
    path: chart
    helm:
      valueFiles:
        - values.yaml
  destination:
    server: https://kubernetes.default.svc
    namespace: shop
`

func main() {
	dir := flag.String("dir", "", "an empty directory to lay the repository out in (default: a temporary one)")
	flag.Parse()
	if err := run(context.Background(), *dir); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "secrets-flow-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	chart := filepath.Join(dir, "chart")
	if err := os.MkdirAll(chart, 0o755); err != nil {
		return err
	}
	keys, err := os.MkdirTemp("", "secrets-flow-keys-") // never inside the repository
	if err != nil {
		return err
	}
	defer os.RemoveAll(keys)

	// 1. A key without passphrase; the private half stays out of the repository.
	key, err := sops.GenerateKey(sops.KeygenOptions{Type: sops.KeyTypeAge})
	if err != nil {
		return err
	}
	if _, err := key.WriteFiles(keys, false); err != nil {
		return err
	}
	fmt.Printf("1. age key %s\n", key.Recipient)

	// 2. .sops.yaml: whom to encrypt for, and which files must be encrypted.
	cfg, _, err := sopsconfig.InitConfig(nil, sopsconfig.InitOptions{
		Key:       sopsconfig.PublicKey{Type: sopsconfig.KeyTypeAge, ID: key.Recipient},
		PathRegex: `secrets(\..+)?\.yaml$`,
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(chart, ".sops.yaml"), cfg, 0o644); err != nil {
		return err
	}
	fmt.Println("2. wrote chart/.sops.yaml")

	// 3. Encrypt the values file in process, as `sops --encrypt --in-place` would.
	kr := sops.NewKeyring()
	if err := kr.AddIdentity("the generated key", key.Private); err != nil {
		return err
	}
	client := &sops.Client{Keyring: kr}
	secretsFile := filepath.Join(chart, "secrets.yaml")
	enc, err := client.Encrypt(ctx, secretsFile, []byte(values))
	if err != nil {
		return err
	}
	if err := os.WriteFile(secretsFile, enc, 0o644); err != nil {
		return err
	}
	fmt.Println("3. encrypted chart/secrets.yaml")

	// 4. Reference it from the Application as secrets://secrets.yaml.
	app, change, err := wire.AddSecretsValueFile([]byte(application), "secrets.yaml", wire.DefaultTarget())
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "app.yaml"), app, 0o644); err != nil {
		return err
	}
	fmt.Printf("4. added %s to %s.%s of Application %s\n", change.Entry, change.Source, change.Field, change.Application)

	// 5. What a pre-commit hook would say.
	res, err := scan.Scan(ctx, os.DirFS(dir), ".")
	if err != nil {
		return err
	}
	for _, f := range res.Findings {
		fmt.Println("   " + f.String())
	}
	if len(res.Findings) > 0 {
		return fmt.Errorf("%d problem(s) found", len(res.Findings))
	}
	fmt.Printf("5. scan: %d files, nothing in plaintext\n", res.Files)

	// 6. The repo server's side: decrypt with the private key.
	plain, err := client.Decrypt(ctx, secretsFile, enc)
	if err != nil {
		return err
	}
	if !bytes.Equal(plain, []byte(values)) {
		return errors.New("the decrypted file differs from the original")
	}
	fmt.Println("6. decrypted with the private key: same content")
	return nil
}
