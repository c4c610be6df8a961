#!/usr/bin/env bash
# Builds the gator CLI (github.com/open-policy-agent/gatekeeper/v3/cmd/gator, the version in
# go.mod) from the Go module proxy into $BINDIR: the peer that package admission's verdicts
# and benchmark are compared with. About six minutes cold on two cores; skipped when built.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
: "${BINDIR:?BINDIR must be set (tools/build-bins.sh sets it)}"
stamp="$BINDIR/.gator-$(sha256sum go.mod | cut -c1-16)"
if [[ -x "$BINDIR/gator" && -f "$stamp" ]]; then
  exit 0
fi
echo "building gator into $BINDIR (first time: about six minutes)" >&2
GOFLAGS=-mod=mod go build -trimpath -o "$BINDIR/gator" github.com/open-policy-agent/gatekeeper/v3/cmd/gator
rm -f "$BINDIR"/.gator-*
touch "$stamp"
