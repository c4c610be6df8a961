#!/usr/bin/env bash
# Builds every binary the tests need (the control plane and the interop peers) into $BINDIR,
# outside the source tree. Each tools/<name>/build.sh builds its own and skips what is
# already built at the right version.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export BINDIR=${BINDIR:-${CK8SARGO_TESTENV_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/ck8sargo/bin}}
mkdir -p "$BINDIR"
for script in "$root"/tools/*/build.sh; do
  "$script"
done
