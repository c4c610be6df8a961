# Sourced by tools/build-bins.sh and tools/*/build.sh: where the binaries go, and the steps
# every tool's build shares (skip what is built at the right version, build a Go module at
# a version outside the project's module, record what was built).

# BINDIR is where tools/build-bins.sh puts the binaries; a build.sh run on its own uses the
# same default.
export BINDIR=${BINDIR:-${CK8SARGO_TESTENV_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/ck8sargo/bin}}

# tools_root is the project's root directory.
tools_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# built STAMP BIN... succeeds when every BIN is an executable in $BINDIR and $BINDIR/.STAMP
# says they were built from the right version or sources.
built() {
  local stamp=$1 bin
  shift
  [[ -f "$BINDIR/.$stamp" ]] || return 1
  for bin in "$@"; do
    [[ -x "$BINDIR/$bin" ]] || return 1
  done
}

# mark_built NAME STAMP records that the binaries of NAME were built as STAMP (NAME-...),
# removing the stamps of other versions.
mark_built() {
  rm -f "$BINDIR/.$1-"*
  touch "$BINDIR/.$2"
}

# gomod_version MODULE prints the version of MODULE that the project's go.mod requires, and
# fails when it requires none.
gomod_version() {
  local v
  v=$(awk -v m="$1" '$1 == m { print $2; exit }' "$tools_root/go.mod")
  if [[ -z "$v" ]]; then
    echo "tools: $1 is not in go.mod" >&2
    return 1
  fi
  echo "$v"
}

# go_install NAME VERSION [BIN=]PACKAGE... builds each PACKAGE at VERSION with `go install`
# into $BINDIR, as BIN when given (else under go install's own name), unless every binary
# is already there at VERSION. The build runs outside any module, so that the project's
# go.mod is neither read nor changed and each module builds with its own go.mod; binaries
# are moved into $BINDIR only once all are built.
go_install() {
  local name=$1 version=$2 spec pkg bin
  shift 2
  local bins=() pkgs=()
  for spec in "$@"; do
    pkg=${spec#*=}
    if [[ $spec == *=* ]]; then
      bin=${spec%%=*}
    else
      bin=$(go_install_name "$pkg")
    fi
    bins+=("$bin")
    pkgs+=("$pkg@$version")
  done
  if built "$name-$version" "${bins[@]}"; then
    return 0
  fi
  echo "building $name $version into $BINDIR" >&2
  mkdir -p "$BINDIR"
  local tmp i
  tmp=$(mktemp -d)
  # A subshell, so that the caller's directory and traps stay as they are.
  if ! (cd "$tmp" && GO111MODULE=on GOWORK=off GOFLAGS=-mod=mod GOBIN="$tmp/bin" go install -trimpath -ldflags=-s "${pkgs[@]}"); then
    rm -rf "$tmp"
    return 1
  fi
  for i in "${!pkgs[@]}"; do
    mv "$tmp/bin/$(go_install_name "${pkgs[i]%@*}")" "$BINDIR/${bins[i]}"
  done
  rm -rf "$tmp"
  mark_built "$name" "$name-$version"
}

# go_install_name PACKAGE prints the name go install gives the binary of PACKAGE: its last
# path element, or the one before a major version suffix (.../kustomize/v5 is kustomize).
go_install_name() {
  local base=${1##*/}
  if [[ $base =~ ^v[0-9]+$ ]]; then
    base=${1%/*}
    base=${base##*/}
  fi
  echo "$base"
}
