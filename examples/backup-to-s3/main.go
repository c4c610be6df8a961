// Command backup-to-s3 exports a team's Argo CD objects to an S3-compatible object store
// from Go, the way a team's own tooling would embed ck8sargo: the kubeconfig of the
// environment, the platform profile, age recipients for Secret data, and a store URL.
//
//	AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... go run ./examples/backup-to-s3 \
//	    -to 's3://backups?endpoint=https://s3.example.com&use_path_style=true&region=eu-north-1' \
//	    -encrypt-to age1...
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(2)
	}
}

func run() error {
	to := flag.String("to", "", "store URL, such as s3://bucket?endpoint=https://s3.example.com&use_path_style=true")
	encryptTo := flag.String("encrypt-to", "", "age recipients for Secret data, comma separated")
	profileFile := flag.String("profile", "", "platform profile file (default: the built-in profile)")
	flag.Parse()
	if *to == "" || *encryptTo == "" {
		return fmt.Errorf("-to and -encrypt-to are required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	// The environment's kubeconfig, as kubectl finds it ($KUBECONFIG, ~/.kube/config).
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		clientcmd.NewDefaultClientConfigLoadingRules(), &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return fmt.Errorf("reading kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = 100, 200
	clients, err := argocdmanaged.NewClientsForConfig(cfg)
	if err != nil {
		return err
	}
	profile := argocdmanaged.DefaultProfile()
	if *profileFile != "" {
		if profile, err = argocdmanaged.LoadProfileFile(*profileFile, profile); err != nil {
			return err
		}
	}

	// Credentials for s3:// come from the environment (AWS_ACCESS_KEY_ID, ...).
	st, err := store.Open(ctx, *to)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := backup.Export(ctx, clients, st, backup.ExportOptions{
		Profile:    profile,
		Recipients: strings.Split(*encryptTo, ","),
	})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}
