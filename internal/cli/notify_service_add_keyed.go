package cli

import (
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ck8sargo/ck8sargo/notify"
)

// keyedServiceCmds are `service add TYPE` for the types whose recipients map to secret URLs
// or keys: teams, teams-workflows, googlechat, opsgenie, pagerdutyv2.
func keyedServiceCmds(root *RootOptions) []*cobra.Command {
	var cmds []*cobra.Command
	for _, k := range []keyedService{
		{typ: "teams", short: "Add a Microsoft Teams service (incoming webhooks per recipient)", flagName: "webhook-file",
			help: "RECIPIENT=FILE with the channel's incoming webhook URL (repeatable)", missing: "--webhook-file RECIPIENT=FILE (the channel's incoming webhook URL)",
			example: `  kubectl ck8sargo notify service add teams --webhook-file ops=ops-webhook-url.txt`},
		{typ: "teams-workflows", short: "Add a Microsoft Teams Workflows service (Power Automate webhooks per recipient; Argo CD 3.3 and later)", flagName: "webhook-file",
			help: "RECIPIENT=FILE with the workflow's webhook URL (repeatable)", missing: "--webhook-file RECIPIENT=FILE (the workflow's webhook URL)",
			example: `  kubectl ck8sargo notify service add teams-workflows --webhook-file ops=ops-workflow-url.txt`},
		{typ: "googlechat", short: "Add a Google Chat service (webhooks per space)", flagName: "webhook-file",
			help: "SPACE=FILE with the space's webhook URL (repeatable)", missing: "--webhook-file SPACE=FILE (the space's webhook URL)",
			example: `  kubectl ck8sargo notify service add googlechat --webhook-file team=chat-webhook-url.txt`},
		{typ: "opsgenie", short: "Add an Opsgenie service (API keys per team)", flagName: "api-key-file",
			help: "TEAM=FILE with the team's API key (repeatable)", missing: "--api-key-file TEAM=FILE",
			example: `  kubectl ck8sargo notify service add opsgenie --api-url api.eu.opsgenie.com --api-key-file ops=opsgenie-key.txt`},
		{typ: "pagerdutyv2", short: "Add a PagerDuty Events v2 service (integration keys per service)", flagName: "service-key-file",
			help: "SERVICE=FILE with the integration key (repeatable)", missing: "--service-key-file SERVICE=FILE (the integration key)",
			example: `  kubectl ck8sargo notify service add pagerdutyv2 --service-key-file shop=pagerduty-key.txt`},
	} {
		cmds = append(cmds, newServiceAddCmd(root, k.typ, k.short, k.example, &k))
	}
	return cmds
}

// keyedService is one of the keyed types: the flag of its recipient files, its help, and
// how a missing recipient is asked for.
type keyedService struct {
	typ, short, example string
	flagName, help      string
	missing             string
	pairs               []string
	o                   notify.KeyedSecretsOptions
}

func (s *keyedService) addFlags(f *pflag.FlagSet) {
	f.StringArrayVar(&s.pairs, s.flagName, nil, s.help)
	if s.typ == "opsgenie" {
		f.StringVar(&s.o.APIURL, "api-url", "", "Opsgenie API host: api.opsgenie.com or api.eu.opsgenie.com")
	}
}

func (s *keyedService) read(in io.Reader) (err error) {
	s.o.Secrets, err = readKeyedFiles(in, "--"+s.flagName, s.pairs)
	return err
}

func (s *keyedService) build(name string) (notify.ServiceSpec, error) {
	s.o.Name = name
	return notify.KeyedService(s.typ, s.o)
}

func (s *keyedService) flag(option string) string {
	return optionFlags{"Secrets": s.missing, "APIURL": "--api-url"}.flag(option)
}
