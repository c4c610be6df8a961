package archive_test

import (
	"bytes"
	"fmt"
	"time"

	"filippo.io/age"

	"github.com/ck8sargo/ck8sargo/backup/archive"
)

// Secrets are encrypted as they are written; Verify checks every checksum and opens them
// with the identity.
func ExampleVerify() {
	id, _ := age.GenerateX25519Identity()
	var buf bytes.Buffer
	w := archive.NewWriter(&buf, archive.Manifest{Name: "b", Created: time.Now()}, []age.Recipient{id.Recipient()}, []string{id.Recipient().String()})
	_ = w.Add("Secret", "argocd-system", "repo", []byte("kind: Secret\n"))
	_ = w.Add("Application", "argocd-system", "shop", []byte("kind: Application\n"))
	_, _ = w.Close()

	m, err := archive.Verify(&buf, archive.ReadOptions{Identities: []age.Identity{id}}, func(o archive.Object) error {
		fmt.Printf("%s encrypted=%v %q\n", o.Ref(), o.Encrypted, o.Data)
		return nil
	})
	fmt.Println(m.Counts, err)
	// Output:
	// Secret/repo encrypted=true "kind: Secret\n"
	// Application/shop encrypted=false "kind: Application\n"
	// map[Application:1 Secret:1] <nil>
}
