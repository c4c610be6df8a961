package cli

import (
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ck8sargo/ck8sargo/notify"
)

// fieldServiceCmds are `service add TYPE` for the types configured by plain fields
// (notify.ServiceSchemas): one flag per field, secrets read from files.
func fieldServiceCmds(root *RootOptions) []*cobra.Command {
	var cmds []*cobra.Command
	for _, schema := range notify.ServiceSchemas {
		help := fieldServiceHelp[schema.Type]
		cmds = append(cmds, newServiceAddCmd(root, schema.Type, help.short, help.example, &fieldService{schema: schema}))
	}
	return cmds
}

type fieldService struct {
	schema  notify.ServiceSchema
	values  map[string]*string
	plain   map[string]string
	secrets map[string][]byte
}

func (s *fieldService) addFlags(f *pflag.FlagSet) {
	s.values = map[string]*string{}
	for _, field := range s.schema.Fields {
		help := field.Help
		if h, ok := fieldFlagHelp[s.schema.Type+"/"+field.Flag]; ok {
			help = h
		}
		s.values[field.Flag] = f.String(field.Flag, "", help)
	}
}

func (s *fieldService) read(in io.Reader) error {
	s.plain, s.secrets = map[string]string{}, map[string][]byte{}
	for _, f := range s.schema.Fields {
		if !f.Secret {
			s.plain[f.Flag] = *s.values[f.Flag]
			continue
		}
		v, err := readSecretFile(in, "--"+f.Flag, *s.values[f.Flag])
		if err != nil {
			return err
		}
		if v != nil {
			s.secrets[f.Flag] = v
		}
	}
	return nil
}

func (s *fieldService) build(name string) (notify.ServiceSpec, error) {
	return notify.FieldService(s.schema.Type, name, s.plain, s.secrets)
}

// flag names a field by its flag: the library's errors name fields by their option key.
func (s *fieldService) flag(option string) string {
	for _, f := range s.schema.Fields {
		if f.Option == option {
			return "--" + f.Flag
		}
	}
	return option
}

// fieldServiceHelp is the short help and the examples of `service add TYPE` for the types of
// notify.ServiceSchemas.
var fieldServiceHelp = map[string]struct{ short, example string }{
	"awssqs": {"Add an AWS SQS queue service", `  kubectl ck8sargo notify service add awssqs --queue argocd-events --region eu-north-1 \
      --access-key-id-file aws-key-id.txt --secret-access-key-file aws-secret.txt`},
	"gcppubsub":  {"Add a Google Cloud Pub/Sub topic service", `  kubectl ck8sargo notify service add gcppubsub --project my-project --topic argocd-events`},
	"grafana":    {"Add a Grafana annotations service", `  kubectl ck8sargo notify service add grafana --api-url https://grafana.example.com/api --api-key-file grafana-key.txt`},
	"nats":       {"Add a NATS subject service", `  kubectl ck8sargo notify service add nats --url nats://nats.messaging:4222 --username argocd --password-file nats-password.txt`},
	"newrelic":   {"Add a New Relic deployment marker service", `  kubectl ck8sargo notify service add newrelic --api-key-file newrelic-key.txt`},
	"pagerduty":  {"Add a PagerDuty (REST API v1 incidents) service", `  kubectl ck8sargo notify service add pagerduty --service-id P123ABC --from oncall@example.com --token-file pagerduty-token.txt`},
	"pushover":   {"Add a Pushover service", `  kubectl ck8sargo notify service add pushover --token-file pushover-app-token.txt`},
	"rocketchat": {"Add a Rocket.Chat service", `  kubectl ck8sargo notify service add rocketchat --server-url https://chat.example.com --email bot@example.com --password-file rocketchat-password.txt`},
	"webex":      {"Add a Webex Teams bot service", `  kubectl ck8sargo notify service add webex --token-file webex-bot-token.txt`},
}

// fieldFlagHelp is the help of the flags (TYPE/FLAG) whose help names another flag, which
// the library's help of the field does not.
var fieldFlagHelp = map[string]string{
	"nats/username": "user name, with --password-file",
}
