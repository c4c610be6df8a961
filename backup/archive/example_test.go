package archive_test

import (
	"bytes"
	"errors"
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

// A backup signed with the team's age identity: Verify checks the signature with it, and
// RequireSignature refuses a backup without one.
func ExampleWriter_Sign() {
	team, _ := age.GenerateX25519Identity()
	var buf bytes.Buffer
	w := archive.NewWriter(&buf, archive.Manifest{Name: "argocd-backup-20260101T000000Z", Created: time.Now()}, nil, nil)
	w.Sign(team)
	_ = w.Add("Application", "argocd-system", "shop", []byte("kind: Application\n"))
	_, _ = w.Close()

	m, err := archive.Verify(bytes.NewReader(buf.Bytes()), archive.ReadOptions{
		Identities: []age.Identity{team}, RequireSignature: true, Name: "argocd-backup-20260101T000000Z",
	}, nil)
	fmt.Println(m.Signature.Key == team.Recipient().String(), m.SignatureChecked(), err)

	_, err = archive.Verify(bytes.NewReader(buf.Bytes()), archive.ReadOptions{Name: "argocd-backup-20260102T000000Z"}, nil)
	fmt.Println(errors.Is(err, archive.ErrNameMismatch))
	// Output:
	// true true <nil>
	// true
}
