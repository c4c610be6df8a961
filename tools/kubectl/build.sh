#!/usr/bin/env bash
# Builds kubectl from the k8s.io/kubectl module (this directory's go.mod pins the version)
# into $BINDIR: the peer of the backup benchmarks. A few minutes cold.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
stamp="$BINDIR/.kubectl-$(sha256sum "$here/go.mod" | cut -c1-16)"
if [[ -x "$BINDIR/kubectl" && -f "$stamp" ]]; then
  exit 0
fi
echo "building kubectl into $BINDIR" >&2
cd "$here"
GOWORK=off go build -trimpath -o "$BINDIR/kubectl" .
touch "$stamp"
