// Package wire edits Argo CD Application manifests to use a secret: it adds a
// secrets://FILE entry to a Helm source's valueFiles (helm-secrets) or a file parameter to
// its fileParameters (vals references such as secrets+literal://vals!ref+vault://...).
//
// It works on the YAML node tree of the file, so every other field, the comments and the
// order of keys are kept; only the indentation is normalised to the file's own.
package wire
