#!/usr/bin/env bash
# Builds versitygw, an S3-compatible server (posix backend), from the Go module proxy into
# $BINDIR, for the backup tests' object storage round trip. About a minute and a half cold.
set -euo pipefail
version=v1.8.0
stamp="$BINDIR/.versitygw-$version"
if [[ -x "$BINDIR/versitygw" && -f "$stamp" ]]; then
  exit 0
fi
echo "building versitygw $version into $BINDIR" >&2
# Outside any module, so that the project's go.mod is neither read nor changed.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
GOBIN="$BINDIR" GOWORK=off GOFLAGS=-mod=mod go install -trimpath "github.com/versity/versitygw/cmd/versitygw@$version"
touch "$stamp"
