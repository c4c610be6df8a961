#!/usr/bin/env bash
# Builds krew, the kubectl plugin manager, from the Go module proxy into $BINDIR as
# kubectl-krew (so that `kubectl krew` finds it on PATH). The release test installs the
# plugin's archive with it. Skipped when this version is already built.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
go_install krew v0.4.3 kubectl-krew=sigs.k8s.io/krew/cmd/krew
