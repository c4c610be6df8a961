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
. "$(dirname "$0")/../lib.sh"
version=$(gomod_version github.com/zricethezav/gitleaks/v8)
go_install gitleaks "$version" github.com/zricethezav/gitleaks/v8
