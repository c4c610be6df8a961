package cli

import (
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ck8sargo/ck8sargo/notify"
)

// NewCmdNotifyServiceAddEmail adds an SMTP email service.
func NewCmdNotifyServiceAddEmail(root *RootOptions) *cobra.Command {
	return newServiceAddCmd(root, "email", "Add an SMTP email service (465 = implicit TLS, 587 = STARTTLS)",
		`  # Gmail: implicit TLS on 465, with an app password (accounts with 2FA refuse the account password)
  kubectl ck8sargo notify service add email --host smtp.gmail.com --port 465 \
      --username sender@example.com --password-file app-password.txt

  # a company SMTP relay with STARTTLS
  kubectl ck8sargo notify service add email --name relay --host smtp.example.com --port 587 \
      --from argocd@example.com --username argocd --password-file relay-password.txt`,
		&emailService{})
}

type emailService struct {
	o            notify.EmailOptions
	passwordFile string
}

func (s *emailService) addFlags(f *pflag.FlagSet) {
	f.StringVar(&s.o.Host, "host", "", "SMTP server host name")
	f.IntVar(&s.o.Port, "port", 587, "SMTP port: 465 for implicit TLS (SMTPS), 587 for STARTTLS")
	f.StringVar(&s.o.From, "from", "", "sender address (default: the username, stored as $<name>-username)")
	f.StringVar(&s.o.Username, "username", "", "SMTP user name, stored in the Secret")
	f.StringVar(&s.passwordFile, "password-file", "", "file holding the SMTP password or app password ('-' for stdin)")
	f.BoolVar(&s.o.HTML, "html", false, "send the body as HTML")
	f.BoolVar(&s.o.InsecureSkipVerify, "insecure-skip-verify", false, "accept any server certificate (test servers only)")
}

func (s *emailService) read(in io.Reader) (err error) {
	s.o.Password, err = readSecretFile(in, "--password-file", s.passwordFile)
	return err
}

func (s *emailService) build(name string) (notify.ServiceSpec, error) {
	s.o.Name = name
	return notify.EmailService(s.o)
}

func (s *emailService) flag(option string) string {
	return optionFlags{"Host": "--host", "Port": "--port", "From": "--from", "Username": "--username", "Password": "--password-file"}.flag(option)
}
