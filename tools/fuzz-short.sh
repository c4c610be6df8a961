#!/usr/bin/env bash
# Runs every fuzz target of the module for a short time (FUZZTIME, default 10s), so that
# `make test` exercises the fuzzers and not only their seed corpora. FUZZ_ONLY, a regular
# expression, picks targets by name.
#
# Minimisation is bounded (FUZZMINIMIZETIME, default 1s): with Go's default of 60s, a
# worker that finds new coverage spends the rest of a short run minimising it, and the run
# shows 0 execs/s from then on. A target whose exec count stops growing for more than
# half of its time fails the script, and each target's execs/s is printed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fuzztime=${FUZZTIME:-10s}
minimizetime=${FUZZMINIMIZETIME:-1s}
seconds=${fuzztime%s}
if ! [[ $seconds =~ ^[0-9]+$ ]]; then
  echo "fuzz-short.sh: FUZZTIME must be whole seconds such as 10s, not $fuzztime" >&2
  exit 2
fi
log=$(mktemp)
summary=$(mktemp)
trap 'rm -f "$log" "$summary"' EXIT
status=0
targets=$(grep -rl --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(' . | sort | while read -r file; do
  pkg="./$(dirname "${file#./}")"
  grep -hoE '^func Fuzz[A-Za-z0-9_]+' "$file" | sed 's/^func //' | while read -r target; do
    echo "$pkg $target"
  done
done)
while read -r pkg target; do
  if [[ -n ${FUZZ_ONLY:-} && ! $target =~ $FUZZ_ONLY ]]; then
    continue
  fi
  echo "fuzz $pkg $target ($fuzztime)"
  if ! go test -short -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" \
    -fuzzminimizetime "$minimizetime" "$pkg" 2>&1 | tee "$log"; then
    status=1
    echo "$pkg $target: FAILED" >>"$summary"
    continue
  fi
  # Lines read "fuzz: elapsed: 9s, execs: 4973 (579/sec), new interesting: ...". The
  # longest stall is the longest time between two lines whose exec counts differ (the
  # lines come every 3s, so a target that progresses shows 3s).
  if ! awk -v target="$pkg $target" -v limit=$((seconds / 2)) '
    /^fuzz: elapsed: [0-9]+s, execs: [0-9]+/ {
      t = $3; sub(/s,$/, "", t); n = $5
      if (!started) { started = 1; since = t; last = n }
      if (n != last) { if (t - since > stall) stall = t - since; since = t; last = n }
      end = t
    }
    END {
      if (!started) { printf "%s: no fuzzing progress lines\n", target; exit 1 }
      if (end - since > stall) stall = end - since
      rate = (end > 0) ? last / end : last
      printf "%s: %d execs, %.0f execs/s, longest stall %ds\n", target, last, rate, stall
      if (stall > limit) { printf "%s: no progress for %ds of %ds\n", target, stall, limit * 2; exit 1 }
    }' "$log" >>"$summary"; then
    status=1
  fi
done <<<"$targets"
echo "fuzz summary:"
cat "$summary"
exit "$status"
