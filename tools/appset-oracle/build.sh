#!/usr/bin/env bash
# Builds appset-oracle into $BINDIR: Argo CD v3.5.7's own ApplicationSet generators and
# template rendering behind a small JSON interface, the oracle of render/appset's
# differential test. Skipped when the binary of this go.mod is there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
BINDIR=${BINDIR:-${CK8SARGO_TESTENV_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/ck8sargo/bin}}
stamp="$BINDIR/.appset-oracle-$(cat go.mod go.sum main.go | sha256sum | cut -c1-16)"
if [[ -x "$BINDIR/appset-oracle" && -f "$stamp" ]]; then
  exit 0
fi
echo "building appset-oracle (Argo CD's ApplicationSet controller code) into $BINDIR" >&2
mkdir -p "$BINDIR"
GOWORK=off go build -trimpath -ldflags=-s -o "$BINDIR/appset-oracle" .
rm -f "$BINDIR"/.appset-oracle-*
touch "$stamp"
