#!/usr/bin/env bash
# Builds kubectl from the k8s.io/kubectl module (this directory's go.mod pins the version)
# into $BINDIR: the peer of the backup benchmarks. A few minutes cold.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# Any kubectl already in $BINDIR will do as the peer (tools/envtest/build.sh builds one from
# k8s.io/kubernetes when .ci/run asks it to): do not build it twice.
if [[ -x "$BINDIR/kubectl" ]]; then
  exit 0
fi
echo "building kubectl into $BINDIR" >&2
cd "$here"
GOWORK=off go build -trimpath -o "$BINDIR/kubectl" .
