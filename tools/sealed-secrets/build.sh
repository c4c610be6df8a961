#!/usr/bin/env bash
# Builds the sealed-secrets controller and kubeseal at the version the library uses, from the
# Go module proxy, into $BINDIR (as sealed-secrets-controller and kubeseal). The module has no
# replace directives, so `go install module@version` builds it with its own go.mod, outside
# ours. Skipped when this version is already there.
set -euo pipefail
version=v0.27.1
: "${BINDIR:?set BINDIR}"
stamp="$BINDIR/.sealed-secrets-$version"
if [[ -x "$BINDIR/sealed-secrets-controller" && -x "$BINDIR/kubeseal" && -f "$stamp" ]]; then
  exit 0
fi
echo "building the sealed-secrets controller and kubeseal $version into $BINDIR" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
GOWORK=off GOFLAGS=-mod=mod GOBIN="$tmp/bin" go install -trimpath \
  "github.com/bitnami-labs/sealed-secrets/cmd/controller@$version" \
  "github.com/bitnami-labs/sealed-secrets/cmd/kubeseal@$version"
mv "$tmp/bin/controller" "$BINDIR/sealed-secrets-controller"
mv "$tmp/bin/kubeseal" "$BINDIR/kubeseal"
touch "$stamp"
