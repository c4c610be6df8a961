#!/usr/bin/env bash
# Builds the release archives of kubectl-ck8sargo, their SHA-256 sums and the krew plugin
# manifest. Reproducible: the same commit and Go version give the same bytes (-trimpath,
# no VCS stamping beyond the version, fixed mtimes, owners and order in the archives).
#
#   tools/dist/dist.sh                      # every platform into dist/, manifest into plugins/
#   tools/dist/dist.sh linux/amd64          # only the named platforms
#
# Environment: VERSION (default: git describe --tags --always --dirty), COMMIT (default:
# git rev-parse --short HEAD), DIST_DIR (default: dist), MANIFEST (default:
# plugins/ck8sargo.yaml), RELEASE_URL (where the archives will be downloaded from; default:
# the GitHub release of VERSION), SOURCE_DATE_EPOCH (default: the commit's time).
# DIST_FROM_COMMIT=REV builds the sources of commit REV (exported with git archive) instead
# of the work tree, and takes the version from that commit.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
src=$root

platforms=("$@")
if ((${#platforms[@]} == 0)); then
  platforms=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64)
fi
rev=${DIST_FROM_COMMIT:-HEAD}
if [[ -n ${DIST_FROM_COMMIT:-} ]]; then
  VERSION=${VERSION:-$(git describe --tags --always "$rev")}
else
  VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
fi
COMMIT=${COMMIT:-$(git rev-parse --short "$rev" 2>/dev/null || echo unknown)}
DIST_DIR=${DIST_DIR:-$root/dist}
MANIFEST=${MANIFEST:-$root/plugins/ck8sargo.yaml}
RELEASE_URL=${RELEASE_URL:-https://github.com/ck8sargo/ck8sargo/releases/download/$VERSION}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct "$rev" 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH

for tool in tar gzip zip sha256sum; do
  command -v "$tool" >/dev/null || { echo "dist: $tool is needed" >&2; exit 2; }
done

# krew wants a semantic version; a build between tags gets a pre-release of v0.0.0.
krew_version=$VERSION
if [[ ! $krew_version =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]]; then
  krew_version="v0.0.0-${VERSION//[^0-9A-Za-z-]/-}"
fi

mkdir -p "$DIST_DIR" "$(dirname "$MANIFEST")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ -n ${DIST_FROM_COMMIT:-} ]]; then
  src=$work/src
  mkdir -p "$src"
  git archive "$rev" | tar -x -C "$src"
fi
if [[ ! -f $src/LICENSE ]]; then
  echo "dist: LICENSE is missing: every archive must carry it" >&2
  exit 2
fi
ldflags="-s -w -X github.com/ck8sargo/ck8sargo/internal/cli.version=$VERSION -X github.com/ck8sargo/ck8sargo/internal/cli.commit=$COMMIT"
# The release image's digest, when `make image` has built it for this version: the
# archives' binaries then default `backup schedule --image` to the image pinned by digest.
# (The binary inside the image cannot carry the digest of the image that holds it.)
image_digest_file=${IMAGE_DIGEST_FILE:-$DIST_DIR/kubectl-ck8sargo_${VERSION}_image.digest}
if [[ -f $image_digest_file ]]; then
  image_digest=$(tr -d '[:space:]' <"$image_digest_file")
  if [[ ! $image_digest =~ ^sha256:[0-9a-f]{64}$ ]]; then
    echo "dist: $image_digest_file does not hold a sha256 digest: rebuild it with make image" >&2
    exit 2
  fi
  ldflags+=" -X github.com/ck8sargo/ck8sargo/internal/cli.releaseImageDigest=$image_digest"
  echo "dist: stamping the release image digest $image_digest" >&2
fi

archives=()
for platform in "${platforms[@]}"; do
  os=${platform%/*} arch=${platform#*/}
  bin=kubectl-ck8sargo complete=kubectl_complete-ck8sargo
  [[ $os == windows ]] && bin=kubectl-ck8sargo.exe complete=kubectl_complete-ck8sargo.cmd
  stage="$work/$os-$arch"
  mkdir -p "$stage"
  echo "dist: building $platform" >&2
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch GOFLAGS=-buildvcs=false \
    go -C "$src" build -trimpath -ldflags "$ldflags" -o "$stage/$bin" ./cmd/kubectl-ck8sargo
  cp "$src/LICENSE" "$stage/LICENSE"
  # kubectl's plugin completion convention: kubectl_complete-ck8sargo on PATH.
  cp "$src/tools/dist/$complete" "$stage/$complete"
  chmod 0755 "$stage/$bin" "$stage/$complete"
  chmod 0644 "$stage/LICENSE"
  touch -h -d "@$SOURCE_DATE_EPOCH" "$stage/$bin" "$stage/LICENSE" "$stage/$complete"
  name="kubectl-ck8sargo_${VERSION}_${os}_${arch}"
  if [[ $os == windows ]]; then
    archive="$name.zip"
    rm -f "$DIST_DIR/$archive"
    # -X: no extra attributes (uid/gid, extended times); TZ=UTC: zip stores local time.
    (cd "$stage" && TZ=UTC zip -q -X -D "$DIST_DIR/$archive" LICENSE "$bin" "$complete")
  else
    archive="$name.tar.gz"
    tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
      --format=gnu -C "$stage" -cf - LICENSE "$bin" "$complete" | gzip -n -9 >"$DIST_DIR/$archive"
  fi
  archives+=("$os|$arch|$bin|$complete|$archive")
done

# The sums of the archives of this run only (not of older files in DIST_DIR), sorted by name.
names=()
for a in "${archives[@]}"; do names+=("${a##*|}"); done
(cd "$DIST_DIR" && sha256sum -- "${names[@]}" | LC_ALL=C sort -k2) >"$work/checksums.txt"
mv "$work/checksums.txt" "$DIST_DIR/kubectl-ck8sargo_${VERSION}_checksums.txt"

# The manifest: the template's head and tail once, its platform block per archive.
template=$root/tools/dist/krew-template.yaml
begin='^ *#platform-begin$' end='^ *#platform-end$'
{
  # The head without the template's own comment lines, each platform block, the tail.
  sed -n "1,/$begin/p" "$template" | sed -e "/$begin/d" -e '/^#/d'
  for a in "${archives[@]}"; do
    IFS='|' read -r os arch bin complete archive <<<"$a"
    sum=$(sha256sum "$DIST_DIR/$archive" | cut -d' ' -f1)
    sed -n "/$begin/,/$end/p" "$template" | sed -e "/$begin/d" -e "/$end/d" |
      sed -e "s|{{OS}}|$os|g" -e "s|{{ARCH}}|$arch|g" -e "s|{{BIN}}|$bin|g" -e "s|{{COMPLETE}}|$complete|g" \
        -e "s|{{URI}}|$RELEASE_URL/$archive|g" -e "s|{{SHA256}}|$sum|g"
  done
  sed -n "/$end/,\$p" "$template" | sed '1d'
} | sed -e "s|{{VERSION}}|$krew_version|g" >"$MANIFEST"

echo "dist: ${#archives[@]} archive(s), checksums and $(basename "$MANIFEST") written (version $VERSION)" >&2
