// Package oneline turns multi-line text (errors of YAML parsers, Helm, sops, Rego) into the
// one line that a finding, a note or a CLI error is: a report row or a log line must not be
// split by what a library chose to print.
package oneline
