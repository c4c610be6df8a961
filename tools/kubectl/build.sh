#!/usr/bin/env bash
# Builds kubectl from the k8s.io/kubectl module (this directory's go.mod pins the version)
# into $BINDIR: the peer of the backup benchmarks. A few minutes cold.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
# It is also the kubectl the tests find on PATH where the machine has none (the Makefile
# appends $BINDIR to PATH).
if [[ -x "$BINDIR/kubectl" ]]; then
  exit 0
fi
echo "building kubectl into $BINDIR" >&2
mkdir -p "$BINDIR"
cd "$here"
GOWORK=off go build -trimpath -ldflags=-s -o "$BINDIR/kubectl" .
