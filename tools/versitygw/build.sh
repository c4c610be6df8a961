#!/usr/bin/env bash
# Builds versitygw, an S3-compatible server (posix backend), from the Go module proxy into
# $BINDIR, for the backup tests' object storage round trip. About a minute and a half cold;
# skipped when built.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
go_install versitygw v1.8.0 github.com/versity/versitygw/cmd/versitygw
