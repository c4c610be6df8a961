#!/usr/bin/env bash
# Builds the kustomize CLI whose library (sigs.k8s.io/kustomize/api v0.21.1, as in go.mod)
# render uses, from the Go module proxy into $BINDIR: the peer that render's differential
# test and benchmark run `kustomize build` with. About a minute cold; skipped when built.
set -euo pipefail
version=v5.8.1
: "${BINDIR:?BINDIR must be set (tools/build-bins.sh sets it)}"
stamp="$BINDIR/.kustomize-$version"
if [[ -x "$BINDIR/kustomize" && -f "$stamp" ]]; then
  exit 0
fi
echo "building kustomize $version into $BINDIR" >&2
# Outside any module, so that our go.mod plays no part in kustomize's build.
cd "$(mktemp -d)"
trap 'rm -rf "$PWD"' EXIT
GOBIN="$BINDIR" GOFLAGS=-mod=mod go install -trimpath "sigs.k8s.io/kustomize/kustomize/v5@$version"
rm -f "$BINDIR"/.kustomize-*
touch "$stamp"
