#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, etcd) from the Go module proxy into $BINDIR.
# About four minutes cold on two cores; skipped when the binaries of this version are there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
cd "$here"
stamp="envtest-$(sha256sum go.mod | cut -c1-16)"
if built "$stamp" kube-apiserver etcd; then
  exit 0
fi
echo "building kube-apiserver and etcd into $BINDIR (first time: 4 to 20 minutes, depending on the machine)" >&2
mkdir -p "$BINDIR"
# One go build for both, so that etcd compiles while kube-apiserver's largest packages do
# and the two links overlap; -s (no symbol table or DWARF) shortens the links.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -trimpath -ldflags=-s -o "$tmp/" k8s.io/kubernetes/cmd/kube-apiserver go.etcd.io/etcd/server/v3
mv "$tmp/kube-apiserver" "$BINDIR/kube-apiserver"
mv "$tmp/server" "$BINDIR/etcd"
mark_built envtest "$stamp"
