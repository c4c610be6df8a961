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
		cmds = append(cmds, newServiceAddCmd(root, schema.Type, schema.Short, schema.Example, &fieldService{schema: schema}))
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
		s.values[field.Flag] = f.String(field.Flag, "", field.Help)
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
