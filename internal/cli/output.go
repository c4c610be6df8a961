package cli

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"
)

// outputFlag is -o/--output for every command that has one: one of the formats the command
// can print, refused when the flag is parsed (so a typo fails before anything is read or
// written) and offered by shell completion.
type outputFlag struct {
	format  string
	formats []string
}

// addOutput registers -o/--output on cmd with help, the default format def and the other
// formats the command prints.
func addOutput(cmd *cobra.Command, help, def string, formats ...string) *outputFlag {
	f := &outputFlag{format: def, formats: append([]string{def}, formats...)}
	cmd.Flags().VarP(f, "output", "o", help)
	return f
}

// String is the format.
func (f *outputFlag) String() string { return f.format }

// Type is what help shows after the flag; "string" also keeps help's (default "text").
func (f *outputFlag) Type() string { return "string" }

// Set takes a format this command prints.
func (f *outputFlag) Set(v string) error {
	if !slices.Contains(f.formats, v) {
		// An empty default (print nothing, apply instead) is no format to suggest.
		named := slices.DeleteFunc(slices.Clone(f.formats), func(s string) bool { return s == "" })
		return fmt.Errorf("unsupported output format %q: use one of %v", v, named)
	}
	f.format = v
	return nil
}

// Values are the formats shell completion offers.
func (f *outputFlag) Values() []string { return slices.Clone(f.formats) }

// is says whether the format is one of formats.
func (f *outputFlag) is(formats ...string) bool { return slices.Contains(formats, f.format) }
