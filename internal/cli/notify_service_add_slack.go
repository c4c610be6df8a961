package cli

import (
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ck8sargo/ck8sargo/notify"
)

// NewCmdNotifyServiceAddSlack adds a Slack bot service.
func NewCmdNotifyServiceAddSlack(root *RootOptions) *cobra.Command {
	return newServiceAddCmd(root, "slack", "Add a Slack bot service",
		`  kubectl ck8sargo notify service add slack --token-file slack-bot-token.txt`,
		&slackService{})
}

type slackService struct {
	o                      notify.SlackOptions
	tokenFile, signingFile string
}

func (s *slackService) addFlags(f *pflag.FlagSet) {
	f.StringVar(&s.tokenFile, "token-file", "", "file holding the bot token (xoxb-...)")
	f.StringVar(&s.signingFile, "signing-secret-file", "", "file holding the app's signing secret (optional)")
	f.StringVar(&s.o.Username, "username", "", "name the messages are posted as")
	f.StringVar(&s.o.Icon, "icon", "", "emoji (:robot_face:) or image URL of the messages")
	f.StringVar(&s.o.APIURL, "api-url", "", "Slack API URL (default https://slack.com/api/)")
}

func (s *slackService) read(in io.Reader) (err error) {
	if s.o.Token, err = readSecretFile(in, "--token-file", s.tokenFile); err != nil {
		return err
	}
	s.o.SigningSecret, err = readSecretFile(in, "--signing-secret-file", s.signingFile)
	return err
}

func (s *slackService) build(name string) (notify.ServiceSpec, error) {
	s.o.Name = name
	return notify.SlackService(s.o)
}

func (s *slackService) flag(option string) string {
	return optionFlags{"Token": "--token-file", "SigningSecret": "--signing-secret-file", "APIURL": "--api-url"}.flag(option)
}
