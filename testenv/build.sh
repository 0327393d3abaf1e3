#!/usr/bin/env bash
# Builds the test control plane's binaries (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, etcd, kwok, kwokctl, helm) from the Go module proxy into a cache
# directory outside the clone, keyed by the hash of the pinning go.mod/go.sum files and this
# script, then our own test tools into the same directory with build-tools.sh, which is not part of
# that key: adding or changing a tool does not rebuild the control plane.
# Prints the bin directory on stdout; everything else goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache_root="${PERISCOPE_CACHE:-$HOME/.cache/periscope}"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false"

key="$(cat "$here"/kube/go.mod "$here"/kube/go.sum "$here"/etcd/go.mod "$here"/etcd/go.sum \
          "$here"/kwok/go.mod "$here"/kwok/go.sum "$here"/helm/go.mod "$here"/helm/go.sum \
          "$here"/build.sh | sha256sum | cut -c1-16)"
bin="$cache_root/testbin/$key"
if [[ -x "$bin/kwokctl" && -f "$bin/.complete" ]]; then
  "$here/build-tools.sh" "$bin" >&2
  echo "$bin"
  exit 0
fi
mkdir -p "$bin"

kube_version="$(awk '$1=="require" && $2=="k8s.io/kubernetes" {print $3}' "$here/kube/go.mod")"
major="${kube_version#v}"; major="${major%%.*}"
minor="${kube_version#v*.}"; minor="${minor%%.*}"
build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
done

start=$SECONDS
echo "testenv: building Kubernetes $kube_version control plane into $bin" >&2
(cd "$here/kube" && go build -trimpath -ldflags "$ldflags" -o "$bin/" \
   k8s.io/kubernetes/cmd/kube-apiserver \
   k8s.io/kubernetes/cmd/kube-controller-manager \
   k8s.io/kubernetes/cmd/kube-scheduler \
   k8s.io/kubernetes/cmd/kubectl)
echo "testenv: kube binaries built in $((SECONDS - start))s" >&2
(cd "$here/etcd" && go build -trimpath -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3)
(cd "$here/kwok" && go build -trimpath -ldflags "-s -w" -o "$bin/" sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl)
helm_version="$(awk '$1=="require" && $2=="helm.sh/helm/v3" {print $3}' "$here/helm/go.mod")"
(cd "$here/helm" && go build -trimpath -o "$bin/" \
   -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$helm_version -X helm.sh/helm/v3/internal/version.gitTreeState=clean" \
   helm.sh/helm/v3/cmd/helm)
# kwok's stage definitions ship in its module; kwokctl and our scripts read them from here.
kwok_dir="$(cd "$here/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
rm -rf "$bin/kwok-stages" && cp -r "$kwok_dir/kustomize/stage" "$bin/kwok-stages" && chmod -R u+w "$bin/kwok-stages"
touch "$bin/.complete"
"$here/build-tools.sh" "$bin" >&2
echo "testenv: all binaries built in $((SECONDS - start))s" >&2
echo "$bin"
