#!/usr/bin/env bash
# Builds the binaries the tests need (the control plane and the interop peers) into $BINDIR,
# outside the source tree: all of them, or those of the tools/<name> given as arguments
# (`tools/build-bins.sh envtest sealed-secrets`). Each tools/<name>/build.sh builds its own
# and skips what is already built at the right version.
#
# A cold build compiles about a dozen large Go programs from the module proxy and takes long
# (31 minutes one at a time on a 2-core machine). Builds run CK8SARGO_BUILD_JOBS (default 2)
# at a time, the longest first: a lone build leaves the CPUs idle while it downloads modules
# and while it links, and a second one fills those gaps. Each build's output is printed when
# it ends, with the time it took; every minute a line says which are still building.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/lib.sh
. "$root/tools/lib.sh"
mkdir -p "$BINDIR"

jobs=${CK8SARGO_BUILD_JOBS:-2}
if ! [[ $jobs =~ ^[1-9][0-9]*$ ]]; then
  echo "build-bins: CK8SARGO_BUILD_JOBS must be a whole number from 1, not $jobs" >&2
  exit 2
fi

names=()
if (($#)); then
  for name in "$@"; do
    [[ -x "$root/tools/$name/build.sh" ]] || { echo "build-bins: no tools/$name/build.sh" >&2; exit 2; }
    names+=("$name")
  done
else
  # The three longest cold builds first, so that the last to start are short ones.
  for name in appset-oracle envtest gator; do
    [[ -x "$root/tools/$name/build.sh" ]] && names+=("$name")
  done
  for script in "$root"/tools/*/build.sh; do
    name=$(basename "$(dirname "$script")")
    [[ " ${names[*]} " == *" $name "* ]] || names+=("$name")
  done
fi

# clock prints seconds as 1m05s.
clock() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

logs=$(mktemp -d)
ticker=
declare -A running=() began=() index=()
cleanup() {
  if [[ -n $ticker ]]; then kill "$ticker" 2>/dev/null || true; wait "$ticker" 2>/dev/null || true; fi
  local pid
  for pid in "${!running[@]}"; do kill -- "$pid" 2>/dev/null || true; done
  rm -rf "$logs"
}
trap cleanup EXIT

start=$SECONDS
total=${#names[@]}
# The ticker reads the names of the running builds from a file the loop below rewrites, and
# is silent while nothing has run for a minute (everything already built ends at once).
(
  n=0
  while sleep 60; do
    n=$((n + 60))
    now=$(cat "$logs/running" 2>/dev/null || true)
    [[ -n $now ]] && echo "build-bins: still building:$now ($(clock $n) in all)" >&2
  done
) &
ticker=$!

record_running() {
  local pid line=
  for pid in "${!running[@]}"; do line+=" ${running[$pid]}"; done
  echo "$line" >"$logs/running.tmp" && mv "$logs/running.tmp" "$logs/running"
}

failed=()
next=0
while ((next < total || ${#running[@]})); do
  if ((next < total && ${#running[@]} < jobs && ${#failed[@]} == 0)); then
    name=${names[next]}
    next=$((next + 1))
    "$root/tools/$name/build.sh" >"$logs/$name.log" 2>&1 &
    running[$!]=$name
    began[$name]=$SECONDS
    index[$name]=$next
    record_running
    continue
  fi
  if ((${#running[@]} == 0)); then
    break # a build failed and none is left running
  fi
  status=0
  wait -n -p done "${!running[@]}" || status=$?
  name=${running[$done]}
  unset "running[$done]"
  record_running
  cat "$logs/$name.log" >&2
  took=$((SECONDS - began[$name]))
  if ((status != 0)); then
    echo "build-bins: [${index[$name]}/$total] $name FAILED after $(clock $took) (exit $status)" >&2
    failed+=("$name")
  elif ((took >= 2)); then
    echo "build-bins: [${index[$name]}/$total] $name built in $(clock $took) ($(clock $((SECONDS - start))) in all)" >&2
  fi
done
if ((${#failed[@]})); then
  echo "build-bins: failed: ${failed[*]}" >&2
  exit 1
fi
if ((SECONDS - start >= 2)); then
  echo "build-bins: $total tool(s) ready in $BINDIR after $(clock $((SECONDS - start)))" >&2
fi
