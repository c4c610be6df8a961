#!/usr/bin/env bash
# Builds the kustomize CLI whose library (sigs.k8s.io/kustomize/api v0.21.1, as in go.mod)
# render uses, from the Go module proxy into $BINDIR: the peer that render's differential
# test and benchmark run `kustomize build` with. About a minute cold; skipped when built.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
go_install kustomize v5.8.1 sigs.k8s.io/kustomize/kustomize/v5
