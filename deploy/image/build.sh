#!/usr/bin/env bash
# `make image`: OCI images of the release binaries in target/dist/, built without a container
# daemon: each image is one layer made here with GNU tar (fixed owners, modes and timestamps)
# and put into an OCI layout with umoci; skopeo writes a docker-archive for `docker load`.
#
#   target/image/periscope/          OCI layout, tag $VERSION (`skopeo copy oci:target/image/periscope:0.1.0 …`)
#   target/image/periscope.tar       docker-archive, named ghcr.io/periscope-dev/periscope:$VERSION
#   target/image/periscope-agent/    the same for the agent
#   target/image/periscope-agent.tar
#
# Timestamps are the commit's time (SOURCE_DATE_EPOCH), so the same binaries give the same
# image digests (printed at the end; see deploy/image/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."

dist=target/dist
out=target/image
registry="${IMAGE_REGISTRY:-ghcr.io/periscope-dev}"
source_url="${IMAGE_SOURCE:-https://github.com/periscope-dev/periscope}"
ca_bundle="${IMAGE_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
uid=65532

for tool in umoci skopeo; do
  command -v "$tool" >/dev/null || { echo "image: $tool is missing (Debian: apt-get install $tool)" >&2; exit 1; }
done
[[ -f "$dist/stamp" ]] || { echo "image: $dist/stamp is missing; run 'make release' first" >&2; exit 1; }
[[ -f "$ca_bundle" ]] || { echo "image: $ca_bundle is missing (Debian: apt-get install ca-certificates)" >&2; exit 1; }
# The image carries what the binaries were stamped with, not the tree's state now.
VERSION="$(sed -n 's/^VERSION=//p' "$dist/stamp")"
COMMIT="$(sed -n 's/^COMMIT=//p' "$dist/stamp")"
SOURCE_DATE_EPOCH="$(sed -n 's/^SOURCE_DATE_EPOCH=//p' "$dist/stamp")"
[[ -n "$SOURCE_DATE_EPOCH" ]] || { echo "image: $dist/stamp is from an older make release; run it again" >&2; exit 1; }
created="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# build NAME DATA_DIR PORTS ENV CMD — one image: /usr/local/bin/NAME as entrypoint, run as
# 65532:65532, DATA_DIR its one writable volume; PORTS/ENV/CMD space-separated (may be empty).
build() {
  local name="$1" data="$2" ports="$3" env="$4" cmd="$5"
  local rootfs="$work/$name/rootfs" layout="$out/$name" ref="$out/$name:$VERSION"
  mkdir -p "$rootfs"/{etc/ssl/certs,usr/local/bin,tmp,"${data#/}"}
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%s:%s:nonroot:%s:/sbin/nologin\n' "$uid" "$uid" "$data" \
    >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnonroot:x:%s:\n' "$uid" >"$rootfs/etc/group"
  # kube's platform verifier reads the system roots (OIDC, chart repositories and STS use
  # rustls's compiled-in webpki roots); Debian's bundle serves the first.
  install -m 0644 "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  install -m 0755 "$dist/$name" "$rootfs/usr/local/bin/$name"
  chmod 0755 "$rootfs"/{etc,etc/ssl,etc/ssl/certs,usr,usr/local,usr/local/bin}
  chmod 0644 "$rootfs"/etc/{passwd,group}
  chmod 1777 "$rootfs/tmp"
  chmod 0750 "$rootfs/$data"
  # Owners and times are set in the archive, not on the files, so building needs no root; the
  # data directory (under /var) alone belongs to the non-root user.
  local tarflags=(--file "$work/$name/layer.tar" --directory "$rootfs" --format=posix --numeric-owner
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime --mtime="@$SOURCE_DATE_EPOCH")
  tar --create "${tarflags[@]}" --sort=name --owner=0 --group=0 --exclude="${data#/}" etc tmp usr var
  tar --append "${tarflags[@]}" --owner="$uid" --group="$uid" --no-recursion "${data#/}"

  rm -rf "$layout"
  umoci init --layout "$layout"
  umoci new --image "$ref"
  umoci raw add-layer --image "$ref" --history.created "$created" \
    --history.created_by "deploy/image/build.sh ($name $VERSION, commit $COMMIT)" "$work/$name/layer.tar"
  local args=(--no-history --created "$created" --architecture amd64 --os linux
    --config.user "$uid:$uid" --config.entrypoint "/usr/local/bin/$name" --config.workingdir "$data"
    --config.volume "$data"
    --config.label "org.opencontainers.image.title=$name"
    --config.label "org.opencontainers.image.version=$VERSION"
    --config.label "org.opencontainers.image.revision=$COMMIT"
    --config.label "org.opencontainers.image.source=$source_url"
    --config.label "org.opencontainers.image.licenses=Apache-2.0"
    --config.label "org.opencontainers.image.created=$created")
  local p e c
  for p in $ports; do args+=(--config.exposedports "$p"); done
  for e in $env; do args+=(--config.env "$e"); done
  for c in $cmd; do args+=(--config.cmd "$c"); done
  umoci config --image "$ref" "${args[@]}"
  umoci gc --layout "$layout"
  rm -f "$out/$name.tar"
  skopeo copy --quiet "oci:$ref" "docker-archive:$out/$name.tar:$registry/$name:$VERSION"
}

# The server: console and API on 8080, the agent tunnel on 8443 when `--agent-listen
# 0.0.0.0:8443` is given. Audit journal, exec recordings and the agent CA under /var/lib/periscope.
build periscope /var/lib/periscope "8080/tcp 8443/tcp" \
  "PERISCOPE_AUDIT_DB_PATH=/var/lib/periscope/audit.db" serve
# The agent: health endpoints on 8081 for the kubelet's probes (its default is loopback only).
build periscope-agent /var/lib/periscope-agent "8081/tcp" "PERISCOPE_AGENT_HEALTH_ADDR=0.0.0.0:8081" ""

echo "image: $out (version $VERSION, commit $COMMIT, created $created)"
for name in periscope periscope-agent; do
  manifest="$(jq -r '.manifests[0].digest' "$out/$name/index.json")"
  printf '  %-16s manifest %s, layer %s bytes gzip, docker-archive %s\n' "$name" "$manifest" \
    "$(jq '[.layers[].size] | add' "$out/$name/blobs/sha256/${manifest#sha256:}")" "$out/$name.tar"
done
