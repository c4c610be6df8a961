#!/usr/bin/env bash
# Builds the helm CLI at the version of the Helm engine vendored in render/internal/helmengine
# (helm.sh/helm/v3 in go.mod) from the Go module proxy into $BINDIR: the peer that render's
# differential test and benchmark run `helm template` with. A few minutes cold; skipped when
# built.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
go_install helm v3.22.0 helm.sh/helm/v3/cmd/helm
