#!/usr/bin/env bash
# Builds the sealed-secrets controller and kubeseal at the version the library uses, from the
# Go module proxy, into $BINDIR (as sealed-secrets-controller and kubeseal). The module has no
# replace directives, so `go install module@version` builds it with its own go.mod, outside
# ours. Skipped when this version is already there.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
go_install sealed-secrets v0.27.1 \
  sealed-secrets-controller=github.com/bitnami-labs/sealed-secrets/cmd/controller \
  github.com/bitnami-labs/sealed-secrets/cmd/kubeseal
