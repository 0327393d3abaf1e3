#!/usr/bin/env bash
# build-tools.sh BIN: builds Periscope's own test tools into BIN (build.sh's bin directory), each
# under a key of its own -- a hash of its module's go.* and *.go files, kept as the marker file
# BIN/.TAG-<key> -- and only when that key changed. build.sh runs it on every call; this file is
# not part of build.sh's cache key, so adding or changing a tool never rebuilds the control plane.
#   oci-registry (ociregistry/): the real OCI distribution server, for the Helm install tests
#   eks-webhook  (ekswebhook/):  the apiserver's EKS bearer-token authenticator (cluster.sh)
#   metrics-server (metricsserver/): the real metrics-server (sigs.k8s.io/metrics-server, pinned
#                  in its go.mod), run by kwokctl in every test cluster (cluster.sh)
# Prints nothing on stdout.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:?usage: build-tools.sh BIN}"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false"

# build_tool TAG DIR BINARY [LDFLAGS]. The new binary is renamed into place, so a running copy (a
# cluster's eks-webhook or metrics-server) keeps its old file. LDFLAGS (extra -X flags), if given,
# are part of the key.
build_tool() {
  local tag="$1" src="$here/$2" out="$bin/$3" ldflags="-s -w${4:+ $4}" key
  key="$( (cat "$src"/go.* "$src"/*.go; [[ -z "${4:-}" ]] || echo "$4") | sha256sum | cut -c1-16)"
  [[ -f "$bin/.$tag-$key" && -x "$out" ]] && return 0
  (cd "$src" && go build -trimpath -ldflags "$ldflags" -o "$out.tmp.$$" . && mv -f "$out.tmp.$$" "$out") >&2
  rm -f "$bin/.$tag"-* && touch "$bin/.$tag-$key"
}

build_tool oci ociregistry oci-registry
build_tool eks ekswebhook eks-webhook
# metrics-server prints this from --version (kwokctl reads it); upstream's Makefile sets the same var.
ms_version="$(awk '$1=="sigs.k8s.io/metrics-server" {print $2}' "$here/metricsserver/go.mod")"
build_tool ms metricsserver metrics-server "-X k8s.io/client-go/pkg/version.gitVersion=$ms_version"
