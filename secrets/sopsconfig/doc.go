// Package sopsconfig reads keys as users give them (fingerprints, age recipients, key files)
// and creates or extends the creation rules of a .sops.yaml, keeping its other rules, keys
// and comments. It has no dependency on the sops library, so that tools that only edit the
// file stay small.
package sopsconfig
