// Package appset expands ApplicationSets into the Applications that Argo CD's ApplicationSet
// controller (v3.5) would generate from them, offline: list, git (directories and files,
// read from the checkout), cluster (the platform's one cluster), matrix and merge
// generators, selectors, Go templates with Argo CD's sprig functions and goTemplateOptions,
// fasttemplate {{param}} replacement, templatePatch, generator template overrides and
// values.
//
// Generators that need a server (SCM provider, pull request, cluster decision resource,
// plugin), git generators on another repository or revision, are reported as not-rendered
// notes; input Argo CD fails on is a failed note. Generate never panics on bad input and
// returns an error only when its context ends.
package appset
