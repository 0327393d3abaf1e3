#!/usr/bin/env bash
# `make image-check` (part of `make test`): checks the images `make image` wrote to target/image/
# from the outside, as a runtime would see them — the config (non-root user, entrypoint, ports,
# volume, OCI labels), the layer's owners, then the binary extracted from the layer: `--version`
# must print the commit of this tree, and (as root) the server must start inside the layer's
# filesystem as the image's user with the image's entrypoint, environment and working
# directory, and answer /healthz and /readyz.
set -euo pipefail
cd "$(dirname "$0")/../.."

out="$PWD/target/image"
uid=65532
# shellcheck source=deploy/image/stamp.sh
source deploy/image/stamp.sh
work="$(mktemp -d)"
server_pid=
cleanup() {
  [[ -z "$server_pid" ]] || kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "image-check: $*" >&2
  exit 1
}

# expect NAME WHAT JQ_FILTER FILE WANT — the filter's value in FILE must be WANT.
expect() {
  local got
  got="$(jq -c "$3" "$4")"
  [[ "$got" == "$5" ]] || fail "$1: $2 is $got, expected $5"
}

# http_status PORT PATH — the status code of a GET on loopback (bash's /dev/tcp: no curl needed).
http_status() {
  local line
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
  IFS=' ' read -r _ line _ <&3 || line=
  exec 3<&-
  echo "$line"
}

# check NAME DATA_DIR PORTS CMD — one image's config and layer; leaves its rootfs in $work/NAME.
check() {
  local name="$1" data="$2" ports="$3" cmd="$4"
  local layout="$out/$name" blobs="$out/$name/blobs/sha256"
  [[ -f "$layout/index.json" ]] || fail "$name: no OCI layout at $layout; run 'make image'"
  local manifest config layers
  manifest="$blobs/$(jq -r '.manifests[0].digest | ltrimstr("sha256:")' "$layout/index.json")"
  config="$blobs/$(jq -r '.config.digest | ltrimstr("sha256:")' "$manifest")"
  expect "$name" "the tag" '.manifests[0].annotations["org.opencontainers.image.ref.name"]' \
    "$layout/index.json" "\"$VERSION\""
  expect "$name" "the user" '.config.User' "$config" "\"$uid:$uid\""
  expect "$name" "the entrypoint" '.config.Entrypoint' "$config" "[\"/usr/local/bin/$name\"]"
  expect "$name" "the command" '.config.Cmd // []' "$config" "$(jq -cn '$ARGS.positional' --args $cmd)"
  expect "$name" "the exposed ports" '.config.ExposedPorts | keys' "$config" \
    "$(jq -cn '$ARGS.positional | sort' --args $ports)"
  expect "$name" "the volumes" '.config.Volumes | keys' "$config" "[\"$data\"]"
  expect "$name" "the platform" '[.os, .architecture]' "$config" '["linux","amd64"]'
  local label
  for label in "title=$name" "version=$VERSION" "revision=$COMMIT" licenses=Apache-2.0; do
    expect "$name" "label org.opencontainers.image.${label%%=*}" \
      ".config.Labels[\"org.opencontainers.image.${label%%=*}\"]" "$config" "\"${label#*=}\""
  done
  jq -e '.config.Labels["org.opencontainers.image.source"] | startswith("https://")' "$config" >/dev/null \
    || fail "$name: label org.opencontainers.image.source is not an https URL"

  layers=$(jq -r '.layers[].digest | ltrimstr("sha256:")' "$manifest")
  local rootfs="$work/$name" listing layer
  mkdir -p "$rootfs"
  for layer in $layers; do
    listing+="$(tar --list --verbose --numeric-owner --gzip --file "$blobs/$layer")"$'\n'
    tar --extract --gzip --file "$blobs/$layer" --directory "$rootfs" --same-owner --same-permissions
  done
  grep -Eq "^d[rwx-]{9} $uid/$uid .* ${data#/}/\$" <<<"$listing" \
    || fail "$name: $data is not a directory owned by $uid:$uid in the layer"
  grep -Eq "^d[rwxt-]{9} 0/0 .* tmp/\$" <<<"$listing" || fail "$name: no /tmp in the layer"
  ! grep -Ev "^d|^-[rwx-]{9} 0/0 " <<<"$listing" | grep -q . \
    || fail "$name: the layer has entries other than root-owned files and directories:
$(grep -Ev '^d|^-[rwx-]{9} 0/0 ' <<<"$listing")"
  grep -q "^nonroot:x:$uid:$uid:" "$rootfs/etc/passwd" || fail "$name: /etc/passwd lacks user $uid"

  local version
  version="$("$rootfs/usr/local/bin/$name" --version)" || fail "$name: --version of the extracted binary failed"
  [[ "$version" == "$name $VERSION (commit $COMMIT)" ]] \
    || fail "$name: the extracted binary says '$version'; this tree is '$name $VERSION (commit $COMMIT)' (run 'make image')"
  echo "image-check: $name: user $uid, entrypoint /usr/local/bin/$name, ports $ports, labels, '$version'"
}

# serve — the server image run as a runtime would (user, entrypoint, cmd, env, working
# directory from the config) in its own filesystem, where the user can write only the volume
# and /tmp: it must answer /healthz and /readyz.
serve() {
  local rootfs="$work/periscope" config
  config="$out/periscope/blobs/sha256/$(jq -r '.config.digest | ltrimstr("sha256:")' \
    "$out/periscope/blobs/sha256/$(jq -r '.manifests[0].digest | ltrimstr("sha256:")' "$out/periscope/index.json")")"
  if [[ "$(id -u)" != 0 ]]; then
    echo "image-check: periscope: not root, so the server is not started inside the image (chroot needs root)"
    return
  fi
  printf 'clusters: []\n' >"$rootfs/tmp/clusters.yaml"
  local -a env argv
  local chroot user workdir
  chroot="$(command -v chroot)" || fail "periscope: chroot (coreutils) is missing"
  user="$(jq -r .config.User "$config")"
  workdir="$(jq -r .config.WorkingDir "$config")"
  mapfile -t env < <(jq -r '.config.Env[]' "$config")
  mapfile -t argv < <(jq -r '(.config.Entrypoint + .config.Cmd)[]' "$config")
  (
    cd "$rootfs$workdir"
    exec env -i "${env[@]}" PERISCOPE_CLUSTERS_FILE=/tmp/clusters.yaml PERISCOPE_LISTEN=127.0.0.1:0 \
      "$chroot" --userspec="$user" "$rootfs" "${argv[@]}"
  ) >"$work/serve.log" 2>&1 &
  server_pid=$!
  local port= deadline=$((SECONDS + 30)) path status
  while [[ -z "$port" ]]; do
    kill -0 "$server_pid" 2>/dev/null || fail "periscope: the server in the image exited:
$(tail -n 20 "$work/serve.log")"
    ((SECONDS < deadline)) || fail "periscope: the server in the image did not listen within 30 s:
$(tail -n 20 "$work/serve.log")"
    port="$(jq -r 'select(.message == "listening") | .addr | split(":") | last' "$work/serve.log" 2>/dev/null | head -n1)"
    [[ -n "$port" ]] || sleep 0.1
  done
  # 503 is "not ready yet": asked again until the deadline; any other answer is final.
  for path in /healthz /readyz; do
    while status="$(http_status "$port" "$path")" && [[ "$status" == 503 ]] && ((SECONDS < deadline)); do
      sleep 0.1
    done
    [[ "$status" == 200 ]] || fail "periscope: $path answered '$status' inside the image; the server's last lines:
$(tail -n 20 "$work/serve.log")"
  done
  [[ -s "$rootfs/var/lib/periscope/audit.db" ]] \
    || fail "periscope: no audit journal at /var/lib/periscope/audit.db inside the image"
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=
  echo "image-check: periscope: 'serve' as $uid in the image's filesystem answered /healthz and /readyz; audit journal in /var/lib/periscope"
}

check periscope /var/lib/periscope "8080/tcp 8443/tcp" serve
check periscope-agent /var/lib/periscope-agent "8081/tcp" ""
serve
