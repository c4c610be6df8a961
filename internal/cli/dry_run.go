package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// Dry-run modes, with kubectl's meaning: none changes the cluster (or the files), client
// changes nothing and says what would change, server sends the writes with dryRun=All so
// that the API server checks them without storing them.
const (
	dryRunNone   = "none"
	dryRunClient = "client"
	dryRunServer = "server"
)

// dryRunFlag is --dry-run for every command that has one: kubectl's
// --dry-run=none|client|server, with --dry-run alone meaning client, limited to the modes
// the command can honour. The old boolean spellings (true, false) mean client and none, as
// kubectl still takes them.
type dryRunFlag struct {
	mode  string
	modes []string
}

// addDryRun registers --dry-run on cmd with the modes it supports (dryRunNone is always one)
// and help saying what each does.
func addDryRun(cmd *cobra.Command, help string, modes ...string) *dryRunFlag {
	f := &dryRunFlag{mode: dryRunNone, modes: append([]string{dryRunNone}, modes...)}
	cmd.Flags().Var(f, "dry-run", help)
	if slices.Contains(f.modes, dryRunClient) {
		cmd.Flags().Lookup("dry-run").NoOptDefVal = dryRunClient
	}
	return f
}

// String is the mode.
func (f *dryRunFlag) String() string { return f.mode }

// Type is what help shows after the flag.
func (f *dryRunFlag) Type() string { return "string" }

// Set takes a mode this command supports.
func (f *dryRunFlag) Set(v string) error {
	switch v {
	case "true":
		v = dryRunClient
	case "false", "":
		v = dryRunNone
	}
	if !slices.Contains(f.modes, v) {
		return fmt.Errorf("use %s", orList(f.modes))
	}
	f.mode = v
	return nil
}

// Values are the modes shell completion offers.
func (f *dryRunFlag) Values() []string { return slices.Clone(f.modes) }

// value is the library's dry-run mode of the flag.
func (f *dryRunFlag) value() argocdmanaged.DryRun {
	if f.mode == dryRunNone {
		return argocdmanaged.DryRunNone
	}
	return argocdmanaged.DryRun(f.mode)
}

// enabled says whether any dry run was asked for.
func (f *dryRunFlag) enabled() bool { return f.mode != dryRunNone }

// orList is "a, b or c".
func orList(values []string) string {
	if len(values) < 2 {
		return strings.Join(values, "")
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}
