package cli

import (
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ck8sargo/ck8sargo/notify"
)

// NewCmdNotifyServiceAddWebhook adds a generic HTTP webhook service.
func NewCmdNotifyServiceAddWebhook(root *RootOptions) *cobra.Command {
	return newServiceAddCmd(root, "webhook", "Add a generic HTTP webhook service",
		`  kubectl ck8sargo notify service add webhook --name deploy-log --url https://hooks.example.com/argocd \
      --header Content-Type=application/json --secret-header Authorization=auth-header.txt`,
		&webhookService{})
}

type webhookService struct {
	o                      notify.WebhookOptions
	headers, secretHeaders []string
	passFile               string
}

func (s *webhookService) addFlags(f *pflag.FlagSet) {
	f.StringVar(&s.o.URL, "url", "", "URL the notifications are sent to")
	f.StringArrayVar(&s.headers, "header", nil, "NAME=VALUE header written in the ConfigMap (repeatable)")
	f.StringArrayVar(&s.secretHeaders, "secret-header", nil, "NAME=FILE header whose value is stored in the Secret (repeatable)")
	f.StringVar(&s.o.BasicAuthUser, "basic-auth-username", "", "basic auth user name")
	f.StringVar(&s.passFile, "basic-auth-password-file", "", "file holding the basic auth password")
}

// read takes the --header pairs too: they come before the files, as they always have.
func (s *webhookService) read(in io.Reader) (err error) {
	s.o.Headers = map[string]string{}
	for _, h := range s.headers {
		k, v, ok := strings.Cut(h, "=")
		if !ok || k == "" {
			return UsageErrorf("--header %q: want NAME=VALUE", h)
		}
		s.o.Headers[k] = v
	}
	if s.o.SecretHeaders, err = readKeyedFiles(in, "--secret-header", s.secretHeaders); err != nil {
		return err
	}
	s.o.BasicAuthPass, err = readSecretFile(in, "--basic-auth-password-file", s.passFile)
	return err
}

func (s *webhookService) build(name string) (notify.ServiceSpec, error) {
	s.o.Name = name
	return notify.WebhookService(s.o)
}

func (s *webhookService) flag(option string) string {
	return optionFlags{"URL": "--url", "BasicAuthPass": "--basic-auth-password-file"}.flag(option)
}
