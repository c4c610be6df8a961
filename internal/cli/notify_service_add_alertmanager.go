package cli

import (
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ck8sargo/ck8sargo/notify"
)

// NewCmdNotifyServiceAddAlertmanager adds a Prometheus Alertmanager service.
func NewCmdNotifyServiceAddAlertmanager(root *RootOptions) *cobra.Command {
	return newServiceAddCmd(root, "alertmanager", "Add a Prometheus Alertmanager service",
		`  kubectl ck8sargo notify service add alertmanager --target alertmanager.monitoring:9093`,
		&alertmanagerService{})
}

type alertmanagerService struct {
	o         notify.AlertmanagerOptions
	tokenFile string
}

func (s *alertmanagerService) addFlags(f *pflag.FlagSet) {
	f.StringArrayVar(&s.o.Targets, "target", nil, "HOST:PORT of an Alertmanager (repeatable)")
	f.StringVar(&s.o.Scheme, "scheme", "", "http or https (default http)")
	f.StringVar(&s.o.APIPath, "api-path", "", "API path (default /api/v2/alerts)")
	f.StringVar(&s.tokenFile, "bearer-token-file", "", "file holding a bearer token")
}

func (s *alertmanagerService) read(in io.Reader) (err error) {
	s.o.BearerToken, err = readSecretFile(in, "--bearer-token-file", s.tokenFile)
	return err
}

func (s *alertmanagerService) build(name string) (notify.ServiceSpec, error) {
	s.o.Name = name
	return notify.AlertmanagerService(s.o)
}

func (s *alertmanagerService) flag(option string) string {
	return optionFlags{"Targets": "--target HOST:PORT", "Scheme": "--scheme", "BearerToken": "--bearer-token-file"}.flag(option)
}
