package cli

import (
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ck8sargo/ck8sargo/notify"
)

// tokenServiceCmds are `service add mattermost` and `service add telegram`, configured by
// a token (and, for mattermost, the server URL).
func tokenServiceCmds(root *RootOptions) []*cobra.Command {
	return []*cobra.Command{
		newServiceAddCmd(root, "mattermost", "Add a Mattermost service",
			`  kubectl ck8sargo notify service add mattermost --api-url https://chat.example.com --token-file mattermost-token.txt`,
			&tokenService{typ: "mattermost"}),
		newServiceAddCmd(root, "telegram", "Add a Telegram bot service",
			`  kubectl ck8sargo notify service add telegram --token-file telegram-bot-token.txt`,
			&tokenService{typ: "telegram"}),
	}
}

type tokenService struct {
	typ       string
	tokenFile string
	o         notify.TokenOptions
}

func (s *tokenService) addFlags(f *pflag.FlagSet) {
	f.StringVar(&s.tokenFile, "token-file", "", "file holding the token")
	if s.typ == "mattermost" {
		f.StringVar(&s.o.APIURL, "api-url", "", "Mattermost server URL")
	}
}

func (s *tokenService) read(in io.Reader) (err error) {
	s.o.Token, err = readSecretFile(in, "--token-file", s.tokenFile)
	return err
}

func (s *tokenService) build(name string) (notify.ServiceSpec, error) {
	s.o.Name = name
	return notify.TokenService(s.typ, s.o)
}

func (s *tokenService) flag(option string) string {
	return optionFlags{"Token": "--token-file", "APIURL": "--api-url"}.flag(option)
}
