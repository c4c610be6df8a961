#!/usr/bin/env bash
# Builds appset-oracle into $BINDIR: Argo CD v3.5.7's own ApplicationSet generators and
# template rendering behind a small JSON interface, the oracle of render/appset's
# differential test. Skipped when the binary of this go.mod is there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
cd "$here"
stamp="appset-oracle-$(cat go.mod go.sum main.go | sha256sum | cut -c1-16)"
if built "$stamp" appset-oracle; then
  exit 0
fi
echo "building appset-oracle (Argo CD's ApplicationSet controller code) into $BINDIR" >&2
mkdir -p "$BINDIR"
GOWORK=off go build -trimpath -ldflags=-s -o "$BINDIR/appset-oracle" .
mark_built appset-oracle "$stamp"
