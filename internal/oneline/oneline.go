package oneline

import "strings"

// Fields is s with every run of white space, line breaks included, as one space.
func Fields(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Lines is s with each line break as "; " and every other run of white space as one space,
// so that the lines of a multi-line error stay told apart.
func Lines(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ")), " ")
}
