#!/usr/bin/env bash
# Builds the helm CLI at the version of the Helm engine vendored in render/internal/helmengine
# (helm.sh/helm/v3 in go.mod) from the Go module proxy into $BINDIR: the peer that render's
# differential test and benchmark run `helm template` with. A few minutes cold; skipped when
# built.
set -euo pipefail
version=v3.22.0
: "${BINDIR:?BINDIR must be set (tools/build-bins.sh sets it)}"
stamp="$BINDIR/.helm-$version"
if [[ -x "$BINDIR/helm" && -f "$stamp" ]]; then
  exit 0
fi
echo "building helm $version into $BINDIR (first time: a few minutes)" >&2
# Outside any module, so that our go.mod plays no part in helm's build.
cd "$(mktemp -d)"
trap 'rm -rf "$PWD"' EXIT
GOBIN="$BINDIR" GOFLAGS=-mod=mod go install -trimpath "helm.sh/helm/v3/cmd/helm@$version"
rm -f "$BINDIR"/.helm-*
touch "$stamp"
