package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/ck8sargo/ck8sargo/secrets/vals"
	"github.com/ck8sargo/ck8sargo/secrets/wire"
)

type secretsWireOptions struct {
	genericiooptions.IOStreams
	file       string
	valuesFile []string
	vals       []string
	app        string
	source     int
	sourceName string
	dryRun     *dryRunFlag
	output     *outputFlag
}

// NewCmdSecretsWire adds secrets to an Application manifest: secrets:// value files and
// vals file parameters.
func NewCmdSecretsWire(root *RootOptions) *cobra.Command {
	o := &secretsWireOptions{IOStreams: root.IOStreams}
	cmd := &cobra.Command{
		Use:   "wire APP.yaml (--values-file FILE | --vals NAME=vault:PATH#KEY)...",
		Short: "Reference an encrypted values file or a Vault value from an Application manifest",
		Long: `wire edits an Argo CD Application manifest in place:

--values-file FILE adds secrets://FILE to the Helm source's valueFiles (after the values
already there, so that its values win), so that helm-secrets decrypts it in the repo
server. FILE is relative to the source's path, or $REF/PATH for a file of the source with
ref REF in a multi-source Application. Argo CD resolves $REF only at the start of a value
file and hands secrets://$REF/... to helm-secrets unresolved (argoproj/argo-cd#11866), so
wire never writes that: when REF is the chart's own Git repository at the same revision,
it writes the path relative to the chart (secrets://../../env/prod/secrets.yaml); when it
is another repository, or the chart comes from a Helm repository, no form is decrypted and
wire refuses (exit code 2), saying why and what to do instead.

--vals NAME=vault:PATH#KEY adds the Helm file parameter NAME with the vals reference
secrets+literal://vals!ref+vault://PATH#/KEY (see 'secrets vals-ref').

The source is spec.source, or the one entry of spec.sources that can be a Helm source;
pick another with --source INDEX or --source-name NAME, and the Application with --app when
the file holds several. Every other field, the comments and the order of keys are kept;
an entry already there is not added again. --dry-run (or --dry-run=client) prints the
result instead.`,
		Example: `  kubectl ck8sargo secrets wire apps/shop.yaml --values-file secrets.yaml
  kubectl ck8sargo secrets wire apps/shop.yaml --values-file '$values/env/prod/secrets.yaml' --source-name chart
  kubectl ck8sargo secrets wire apps/shop.yaml --vals password=vault:secret/data/shop#password --dry-run=client`,
		Args: cobra.ExactArgs(1),
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.valuesFile, "values-file", nil, "sops-encrypted values file to add as secrets://FILE (repeatable)")
	f.StringArrayVar(&o.vals, "vals", nil, "Helm file parameter NAME=vault:PATH#KEY to add as a vals reference (repeatable)")
	f.StringVar(&o.app, "app", "", "the Application's name, when the file holds several")
	f.IntVar(&o.source, "source", -1, "index in spec.sources of the source to edit")
	f.StringVar(&o.sourceName, "source-name", "", "name of the entry of spec.sources to edit")
	o.dryRun = addSecretsDryRun(cmd, `"client" (or --dry-run alone) prints the edited manifest instead of writing it`,
		"wire edits a file and sends nothing to a server; use --dry-run=client to print the result", dryRunClient)
	o.output = addOutput(cmd, "summary format: text or json", "text", "json")
	return cmd
}

// Complete takes the manifest's file name.
func (o *secretsWireOptions) Complete(_ *cobra.Command, args []string) error {
	o.file = args[0]
	return nil
}

// Validate checks that there is something to wire.
func (o *secretsWireOptions) Validate() error {
	if len(o.valuesFile) == 0 && len(o.vals) == 0 {
		return UsageErrorf("nothing to wire: give --values-file FILE or --vals NAME=vault:PATH#KEY")
	}
	return nil
}

// Run edits the manifest and writes it back, or prints it on a dry run.
func (o *secretsWireOptions) Run(context.Context) error {
	file := o.file
	data, mode, err := readInput(file, 0)
	if err != nil {
		return err
	}
	t := wire.Target{Application: o.app, Source: o.source, SourceName: o.sourceName}
	var changes []wire.Change
	for _, vf := range o.valuesFile {
		var ch wire.Change
		data, ch, err = wire.AddSecretsValueFile(data, vf, t)
		if err != nil {
			return UsageErrorf("%s: %w", file, wireError(err))
		}
		changes = append(changes, ch)
	}
	for _, spec := range o.vals {
		name, path, err := parseValsSpec(spec)
		if err != nil {
			return UsageErrorf("--vals %w", err)
		}
		var ch wire.Change
		data, ch, err = wire.AddFileParameter(data, name, path, t)
		if err != nil {
			return UsageErrorf("%s: %w", file, wireError(err))
		}
		changes = append(changes, ch)
	}
	for _, ch := range changes {
		if ch.Note != "" {
			fmt.Fprintf(o.ErrOut, "note: %s: %s\n", ch.Entry, ch.Note)
		}
	}
	if o.dryRun.enabled() {
		_, err := o.Out.Write(data)
		return err
	}
	changed := false
	for _, ch := range changes {
		changed = changed || ch.Added
	}
	if changed {
		if err := replaceFile(file, data, mode); err != nil {
			return err
		}
	}
	if o.output.is("json") {
		return printStructured(o.Out, "json", changes)
	}
	for _, ch := range changes {
		verb := "added"
		if !ch.Added {
			verb = "already has"
		}
		fmt.Fprintf(o.Out, "%s: Application %s %s %s in %s.%s\n", file, ch.Application, verb, ch.Entry, ch.Source, ch.Field)
	}
	return nil
}

// parseValsSpec reads NAME=vault:PATH#KEY (the value of --vals) into the Helm parameter
// name and its fileParameters path.
func parseValsSpec(spec string) (name, path string, err error) {
	name, rest, ok := strings.Cut(spec, "=")
	if !ok || name == "" {
		return "", "", fmt.Errorf("%q: expected NAME=vault:PATH#KEY", spec)
	}
	backend, ref, ok := strings.Cut(rest, ":")
	if !ok || backend != "vault" {
		return "", "", fmt.Errorf("%q: expected NAME=vault:PATH#KEY (only vault is supported)", spec)
	}
	p, key, ok := strings.Cut(ref, "#")
	if !ok {
		return "", "", fmt.Errorf("%q: expected NAME=vault:PATH#KEY, the #KEY is missing", spec)
	}
	path, err = vals.Ref(p, strings.TrimPrefix(key, "/"))
	if err != nil {
		return "", "", fmt.Errorf("%q: %w", spec, err)
	}
	return name, path, nil
}
