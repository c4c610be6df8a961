#!/usr/bin/env bash
# Builds krew, the kubectl plugin manager, from the Go module proxy into $BINDIR as
# kubectl-krew (so that `kubectl krew` finds it on PATH). The release test installs the
# plugin's archive with it. Skipped when this version is already built.
set -euo pipefail
version=v0.4.3
: "${BINDIR:?BINDIR must be set (tools/build-bins.sh sets it)}"
stamp="$BINDIR/.krew-$version"
if [[ -x "$BINDIR/kubectl-krew" && -f "$stamp" ]]; then
  exit 0
fi
echo "building krew $version into $BINDIR" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Outside any module, so that the project's go.mod is neither read nor changed.
cd "$tmp"
GOFLAGS=-mod=mod GOWORK=off GOBIN="$tmp/bin" go install -trimpath "sigs.k8s.io/krew/cmd/krew@$version"
mv "$tmp/bin/krew" "$BINDIR/kubectl-krew"
touch "$stamp"
