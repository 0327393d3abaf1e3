#!/usr/bin/env bash
# `make release`: static Linux binaries (musl) of periscope and periscope-agent, stamped with the
# workspace version and the git commit, stripped, in target/dist/ with their sizes.
#
# The build directory lives outside the clone (like .ci/run's cargo target) so a fresh clone
# reuses compiled dependencies. No timestamp is compiled in: the same commit, toolchain and
# Cargo.lock give the same bytes (deploy/image/README.md says what else must match).
set -euo pipefail
cd "$(dirname "$0")/../.."

target=x86_64-unknown-linux-musl
export CARGO_TARGET_DIR="${PERISCOPE_RELEASE_TARGET_DIR:-${PERISCOPE_CACHE:-$HOME/.cache/periscope}/cargo-target-musl}"
dist=target/dist

# shellcheck source=deploy/image/stamp.sh
source deploy/image/stamp.sh
export PERISCOPE_COMMIT="$COMMIT"

[[ -f web/dist/index.html ]] || { echo "release: web/dist is missing; run 'make web' first" >&2; exit 1; }
command -v musl-gcc >/dev/null || { echo "release: musl-gcc is missing (Debian: apt-get install musl-tools)" >&2; exit 1; }
rustup target list --installed 2>/dev/null | grep -qx "$target" \
  || { echo "release: the Rust target $target is missing (rustup target add $target)" >&2; exit 1; }

# ring and SQLite compile C for the target: musl-gcc is Debian's wrapper around gcc for musl.
export CC_x86_64_unknown_linux_musl=musl-gcc
# The compilers get a constant SOURCE_DATE_EPOCH, not the commit's time: cc's build scripts
# (ring, SQLite) rebuild whenever it changes, which rebuilt rustls and everything above it on
# every commit. A constant keeps the C objects reproducible and the cache warm; the image is
# still stamped with the commit's time (build.sh reads it from the stamp file).
SOURCE_DATE_EPOCH=0 ${CARGO:-cargo} build --release --locked --target "$target" -p periscope -p periscope-agent

mkdir -p "$dist"
for bin in periscope periscope-agent; do
  # Symbols are dropped from a copy, not by the cargo profile: changing the profile would
  # rebuild every dependency that the cache already holds.
  strip --strip-all -o "$dist/$bin.tmp" "$CARGO_TARGET_DIR/$target/release/$bin"
  mv "$dist/$bin.tmp" "$dist/$bin"
  if ! out="$("$dist/$bin" --version)" || [[ "$out" != "$bin $VERSION (commit $COMMIT)" ]]; then
    echo "release: $dist/$bin --version printed '$out', expected '$bin $VERSION (commit $COMMIT)'" >&2
    exit 1
  fi
  if readelf --program-headers "$dist/$bin" | grep -q INTERP; then
    echo "release: $dist/$bin is dynamically linked; the image has no libc" >&2
    exit 1
  fi
done
printf '%s\n' "VERSION=$VERSION" "COMMIT=$COMMIT" "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH" >"$dist/stamp"
echo "release: $dist (version $VERSION, commit $COMMIT)"
for bin in periscope periscope-agent; do
  printf '  %-16s %10d bytes (%s MiB), sha256 %s\n' "$bin" "$(stat -c %s "$dist/$bin")" \
    "$(awk -v b="$(stat -c %s "$dist/$bin")" 'BEGIN { printf "%.1f", b / 1048576 }')" \
    "$(sha256sum "$dist/$bin" | cut -c1-16)"
done
