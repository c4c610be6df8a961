#!/usr/bin/env bash
# Builds the binaries the tests need (the control plane and the interop peers) into $BINDIR,
# outside the source tree: all of them, or those of the tools/<name> given as arguments
# (`tools/build-bins.sh envtest sealed-secrets`). Each tools/<name>/build.sh builds its own
# and skips what is already built at the right version.
#
# A cold build compiles about a dozen large Go programs and takes long (26 minutes for all of
# them on a 2-core machine under load), so it says which one it is on, prints the elapsed
# time every minute while one builds, and the time each took.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tools/lib.sh"
mkdir -p "$BINDIR"

scripts=()
if (($#)); then
  for name in "$@"; do
    [[ -x "$root/tools/$name/build.sh" ]] || { echo "build-bins: no tools/$name/build.sh" >&2; exit 2; }
    scripts+=("$root/tools/$name/build.sh")
  done
else
  scripts=("$root"/tools/*/build.sh)
fi

# clock prints seconds as 1m05s.
clock() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

ticker=
stop_ticker() { if [[ -n $ticker ]]; then kill "$ticker" 2>/dev/null || true; wait "$ticker" 2>/dev/null || true; ticker=; fi; }
trap stop_ticker EXIT

start=$SECONDS
i=0
for script in "${scripts[@]}"; do
  i=$((i + 1))
  name=$(basename "$(dirname "$script")")
  began=$SECONDS
  # The ticker runs only while this tool's script does; it is silent for the ones already
  # built, which end within the first minute.
  (
    n=0
    while sleep 60; do
      n=$((n + 60))
      echo "build-bins: [$i/${#scripts[@]}] $name still building, $(clock $n) so far ($(clock $((SECONDS - start))) in all)" >&2
    done
  ) &
  ticker=$!
  "$script"
  stop_ticker
  took=$((SECONDS - began))
  if ((took >= 2)); then
    echo "build-bins: [$i/${#scripts[@]}] $name built in $(clock $took) ($(clock $((SECONDS - start))) in all)" >&2
  fi
done
if ((SECONDS - start >= 2)); then
  echo "build-bins: ${#scripts[@]} tool(s) ready in $BINDIR after $(clock $((SECONDS - start)))" >&2
fi
