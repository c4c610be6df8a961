#!/usr/bin/env bash
# Builds the gitleaks CLI into $BINDIR, from the Go module proxy, at the version of
# github.com/zricethezav/gitleaks/v8 the project's go.mod requires (the rule set secrets scan
# embeds), for the side-by-side benchmark of `secrets scan` (BenchmarkScan10kFiles in
# secrets/scan). No test needs it, so it is built only for `make bench`: without
# CK8SARGO_BENCH=1 (which the bench target sets) it does nothing, and tools/build-bins.sh,
# which runs every tools/*/build.sh, passes over it.
set -euo pipefail
if [[ "${CK8SARGO_BENCH:-}" != 1 ]]; then
  exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BINDIR=${BINDIR:-${CK8SARGO_TESTENV_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/ck8sargo/bin}}
version=$(awk '$1 == "github.com/zricethezav/gitleaks/v8" { print $2; exit }' "$root/go.mod")
if [[ -z "$version" ]]; then
  echo "tools/gitleaks: github.com/zricethezav/gitleaks/v8 is not in go.mod" >&2
  exit 1
fi
stamp="$BINDIR/.gitleaks-$version"
if [[ -x "$BINDIR/gitleaks" && -f "$stamp" ]]; then
  exit 0
fi
echo "building gitleaks $version into $BINDIR" >&2
mkdir -p "$BINDIR"
# Outside any module, so that the project's go.mod does not take part.
cd "$(mktemp -d)"
trap 'rm -rf "$PWD"' EXIT
GOFLAGS=-trimpath GOBIN="$BINDIR" GO111MODULE=on go install "github.com/zricethezav/gitleaks/v8@$version"
rm -f "$BINDIR"/.gitleaks-*
touch "$stamp"
