package cli

import (
	"io"
	"os"
	"slices"
)

// colorModes are the values of --color, the flag of the commands whose text output can be
// coloured (policy check, diff).
var colorModes = []string{"auto", "always", "never"}

// validateColor checks a --color value.
func validateColor(mode string) error {
	if !slices.Contains(colorModes, mode) {
		return UsageErrorf("--color %q: use auto, always or never", mode)
	}
	return nil
}

// useColor says whether text output to out is coloured for --color mode: always, never,
// or (auto) when the format is text, out is a terminal and NO_COLOR is not set.
func useColor(mode, format string, out io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if os.Getenv("NO_COLOR") != "" || format != "text" {
		return false
	}
	return isTerminal(out)
}
