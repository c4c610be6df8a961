package store_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
)

// A backup becomes visible to List only when its upload is committed.
func ExampleStore_Create() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "backups-")
	defer os.RemoveAll(dir)
	st, err := store.Open(ctx, "file://"+dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	up, _ := st.Create(ctx, "argocd-backup-20260101T020304Z")
	w := archive.NewWriter(up, archive.Manifest{Name: "argocd-backup-20260101T020304Z", Created: time.Now()}, nil, nil)
	_ = w.Add("Application", "argocd-system", "shop", []byte("kind: Application\n"))
	m, _ := w.Close()
	before, _ := st.List(ctx)
	_ = up.Commit(ctx, m)
	after, _ := st.List(ctx)
	fmt.Println(len(before), len(after), after[0].Name)
	// Output: 0 1 argocd-backup-20260101T020304Z
}
