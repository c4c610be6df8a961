#!/usr/bin/env bash
# Builds kube-score, the offline manifest linter that `make bench` runs side by side with
# `policy check` on the same corpus, from the Go module proxy into $BINDIR.
set -euo pipefail
version=v1.20.0
: "${BINDIR:?BINDIR must be set (tools/build-bins.sh sets it)}"
stamp="$BINDIR/.kube-score-$version"
if [[ -x "$BINDIR/kube-score" && -f "$stamp" ]]; then
  exit 0
fi
echo "building kube-score $version into $BINDIR" >&2
# Outside any module, so that our go.mod plays no part in kube-score's build.
cd "$(mktemp -d)"
trap 'rm -rf "$PWD"' EXIT
GOBIN="$BINDIR" GOFLAGS=-mod=mod go install -trimpath "github.com/zegl/kube-score/cmd/kube-score@$version"
touch "$stamp"
