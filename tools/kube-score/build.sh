#!/usr/bin/env bash
# Builds kube-score, the offline manifest linter that `make bench` runs side by side with
# `policy check` on the same corpus, from the Go module proxy into $BINDIR. Skipped when
# built.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
go_install kube-score v1.20.0 github.com/zegl/kube-score/cmd/kube-score
