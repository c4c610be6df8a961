// Package cli is the kubectl-ck8sargo command line: cobra commands that parse flags into the
// library's options, call one library function and print its result. No business logic
// lives here.
//
// Each command follows the options pattern of sample-cli-plugin: an options struct, a
// NewCmd<Noun><Verb> constructor, and Complete (flags and kubeconfig into ready values),
// Validate (pure checks) and Run (one library call, then print).
package cli
