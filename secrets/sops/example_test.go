package sops_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ck8sargo/ck8sargo/secrets/sops"
)

// Encrypt a values file for a new age key, in process, and decrypt it again.
func Example() {
	ctx := context.Background()
	key, err := sops.GenerateKey(sops.KeygenOptions{Type: sops.KeyTypeAge})
	if err != nil {
		fmt.Println(err)
		return
	}
	kr := sops.NewKeyring()
	if err := kr.AddIdentity("key.txt", key.Private); err != nil {
		fmt.Println(err)
		return
	}
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	c := &sops.Client{Keyring: kr, Age: []string{key.Recipient}}
	name := filepath.Join(dir, "secrets.yaml")
	enc, err := c.Encrypt(ctx, name, []byte("password: s3cret\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	st, _ := c.Status(ctx, name, enc)
	fmt.Println(st.Encryption, len(st.Recipients))
	plain, err := c.Decrypt(ctx, name, enc)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(plain))
	// Output:
	// encrypted 1
	// password: s3cret
}
