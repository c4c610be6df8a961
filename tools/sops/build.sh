#!/usr/bin/env bash
# Builds the real sops CLI into $BINDIR for the interop tests, from the Go module proxy, at
# the very version of github.com/getsops/sops/v3 that the project's go.mod requires: files
# written by the plugin and by the CLI must round-trip at that version.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BINDIR=${BINDIR:-${CK8SARGO_TESTENV_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/ck8sargo/bin}}
version=$(awk '$1 == "github.com/getsops/sops/v3" { print $2; exit }' "$root/go.mod")
if [[ -z "$version" ]]; then
  echo "tools/sops: github.com/getsops/sops/v3 is not in go.mod" >&2
  exit 1
fi
stamp="$BINDIR/.sops-$version"
if [[ -x "$BINDIR/sops" && -f "$stamp" ]]; then
  exit 0
fi
echo "building sops $version into $BINDIR" >&2
mkdir -p "$BINDIR"
# Outside any module, so that the project's go.mod does not take part.
cd "$(mktemp -d)"
trap 'rm -rf "$PWD"' EXIT
GOFLAGS=-trimpath GOBIN="$BINDIR" GO111MODULE=on go install "github.com/getsops/sops/v3/cmd/sops@$version"
rm -f "$BINDIR"/.sops-*
touch "$stamp"
