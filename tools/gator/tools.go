//go:build tools

// Package gator pins the gator CLI (Gatekeeper's offline policy tool), the peer that the
// admission chain's verdicts and speed are compared with.
package gator

import _ "github.com/open-policy-agent/gatekeeper/v3/cmd/gator"
