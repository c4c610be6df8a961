package cli

import (
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ck8sargo/ck8sargo/notify"
)

// NewCmdNotifyServiceAddGitHub adds a GitHub App service.
func NewCmdNotifyServiceAddGitHub(root *RootOptions) *cobra.Command {
	return newServiceAddCmd(root, "github", "Add a GitHub App service (commit statuses, deployments)",
		`  kubectl ck8sargo notify service add github --app-id 12345 --installation-id 67890 --private-key-file app.pem`,
		&githubService{})
}

type githubService struct {
	o       notify.GitHubOptions
	keyFile string
}

func (s *githubService) addFlags(f *pflag.FlagSet) {
	f.StringVar(&s.o.AppID, "app-id", "", "GitHub App ID")
	f.StringVar(&s.o.InstallationID, "installation-id", "", "installation ID of the App")
	f.StringVar(&s.keyFile, "private-key-file", "", "PEM file of the App's private key")
	f.StringVar(&s.o.EnterpriseBaseURL, "enterprise-base-url", "", "GitHub Enterprise API URL")
}

func (s *githubService) read(in io.Reader) (err error) {
	s.o.PrivateKey, err = readSecretFile(in, "--private-key-file", s.keyFile)
	return err
}

func (s *githubService) build(name string) (notify.ServiceSpec, error) {
	s.o.Name = name
	return notify.GitHubService(s.o)
}

func (s *githubService) flag(option string) string {
	return optionFlags{"AppID": "--app-id", "InstallationID": "--installation-id", "PrivateKey": "--private-key-file", "EnterpriseBaseURL": "--enterprise-base-url"}.flag(option)
}
