#!/usr/bin/env bash
# Builds the real sops CLI into $BINDIR for the interop tests, from the Go module proxy, at
# the very version of github.com/getsops/sops/v3 that the project's go.mod requires: files
# written by the plugin and by the CLI must round-trip at that version.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
version=$(gomod_version github.com/getsops/sops/v3)
go_install sops "$version" github.com/getsops/sops/v3/cmd/sops
