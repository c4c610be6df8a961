package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// Set at link time by the Makefile (-X); build info fills in what is not set.
var (
	version = ""
	commit  = ""
)

// VersionInfo is what `version` prints.
type VersionInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// BuildVersion reports the version stamped into the binary.
func BuildVersion() VersionInfo {
	v := VersionInfo{Version: version, Commit: commit, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info, ok := debug.ReadBuildInfo(); ok {
		if v.Version == "" && info.Main.Version != "" {
			v.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && v.Commit == "" {
				v.Commit = s.Value
			}
		}
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	if v.Commit == "" {
		v.Commit = "unknown"
	}
	return v
}

type versionOptions struct {
	genericiooptions.IOStreams
	output *outputFlag
}

// NewCmdVersion prints the plugin's version.
func NewCmdVersion(streams genericiooptions.IOStreams) *cobra.Command {
	o := &versionOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of the plugin",
		Example: `  kubectl ck8sargo version
  kubectl ck8sargo version -o json`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	o.output = addOutput(cmd, "output format: text or json", "text", "json")
	return cmd
}

// Complete has nothing to turn into values: version reads no profile and no cluster.
func (o *versionOptions) Complete(*cobra.Command, []string) error { return nil }

// Validate has nothing to check: -o is checked when it is parsed.
func (o *versionOptions) Validate() error { return nil }

// Run prints the version stamped into the binary.
func (o *versionOptions) Run(context.Context) error {
	v := BuildVersion()
	if o.output.is("json") {
		return printStructured(o.Out, "json", v)
	}
	_, err := fmt.Fprintf(o.Out, "kubectl-ck8sargo %s (commit %s, %s, %s)\n", v.Version, v.Commit, v.GoVersion, v.Platform)
	return err
}
