#!/usr/bin/env bash
# Local Kubernetes test clusters for Periscope: a real kube-apiserver, etcd,
# kube-controller-manager and kube-scheduler plus kwok (fake nodes/kubelets), run by
# `kwokctl --runtime binary` from binaries built by testenv/build.sh, metrics-server (also run
# by kwokctl; it serves metrics.k8s.io from kwok's emulated kubelet metrics) and eks-webhook, the
# apiserver's token authenticator for EKS bearer tokens. No containers, no downloads,
# everything bound to 127.0.0.1 on ports picked at run time.
#
#   testenv/cluster.sh up NAME       create NAME (or, if it already answers /readyz, just
#                                    re-apply the seeds); last stdout line = state dir
#   testenv/cluster.sh down NAME     stop NAME and delete its state
#   testenv/cluster.sh down-all      down every cluster under the state root
#   testenv/cluster.sh status NAME   exit 0 iff NAME is up
#   testenv/cluster.sh list          print "NAME up|down" for every cluster
#   testenv/cluster.sh dir NAME      print NAME's state dir (it may not exist)
#   testenv/cluster.sh restart-apiserver NAME [DOWN_SECONDS]
#                                    SIGKILL NAME's kube-apiserver, keep it down DOWN_SECONDS
#                                    (default 0), start it again as before, wait for /readyz
#   testenv/cluster.sh metrics-server stop|start NAME
#                                    stop NAME's metrics-server (metrics.k8s.io answers 503),
#                                    or start it again and wait until metrics.k8s.io is served
#
# See testenv/README.md for the files it writes and the objects the seeds create.
set -Eeuo pipefail
trap 'echo "testenv: error: \"$BASH_COMMAND\" failed (line $LINENO)" >&2' ERR

here="$(cd "$(dirname "$0")" && pwd)"
STATE="${PERISCOPE_TESTENV_STATE:-$HOME/.cache/periscope/clusters}"
KUBECTL="${PERISCOPE_KUBECTL:-$(command -v kubectl || true)}"
# Minimal, fixed environment for kwokctl and everything it forks (etcd, apiserver,
# kcm, scheduler, kwok) -- and so for the commands `kubectl exec` runs through kwok.
SYS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
TOKEN_DURATION="${PERISCOPE_TESTENV_TOKEN_DURATION:-8760h}"
FIELD_MANAGER=periscope-testenv

log() { echo "testenv[${name:-*}]: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# set_paths NAME: the per-cluster layout (see README "State directory").
set_paths() {
  name="$1"
  [[ "$name" =~ ^[a-z][a-z0-9-]{0,30}$ ]] || die "bad cluster name '$name' (want [a-z][a-z0-9-]*, max 31 chars)"
  dir="$STATE/$name"
  kwok_workdir="$dir/kwok"                  # KWOK_WORKDIR
  kc_dir="$kwok_workdir/clusters/$name"     # kwokctl's own cluster dir (pki, logs, pids, etcd)
  admin_kc="$dir/admin.kubeconfig"
  bridge_kc="$dir/bridge.kubeconfig"
  viewer_kc="$dir/viewer.kubeconfig"
  eks_json="$dir/eks-webhook.json"          # the webhook's config: cluster id + the test credentials
  eks_kc="$dir/eks-webhook.kubeconfig"      # the apiserver's --authentication-token-webhook-config-file
  eks_pid_file="$dir/eks-webhook.pid"
  ms_pid_file="$kc_dir/pids/metrics-server.pid"  # kwokctl's, and ours after `metrics-server start`
  ms_cmd_dir="$dir/metrics-server.cmd"      # its argv, environ and cwd, saved at creation
  lock_file="$STATE/$name.lock"
  # Prefer the kubectl built with this cluster's binaries (version-matched, always present).
  if [[ -z "${PERISCOPE_KUBECTL:-}" && -f "$dir/bin-dir" && -x "$(cat "$dir/bin-dir")/kubectl" ]]; then
    KUBECTL="$(cat "$dir/bin-dir")/kubectl"
  fi
}

kube() { "$KUBECTL" --kubeconfig "$admin_kc" --request-timeout=30s "$@"; }

# Up = the control plane is up and eks-webhook answers. metrics-server is not part of it: tests
# stop it (`metrics-server stop`), and `up` starts it again.
is_up() {
  control_plane_up && eks_webhook_up
}

# The five control-plane processes kwokctl started are still running and the apiserver answers
# /readyz. (A dead kwok would leave pods "Running" with no logs/exec behind them.) metrics-server,
# which kwokctl starts too, is checked on its own (metrics_server_running): tests stop it.
control_plane_up() {
  [[ -f "$admin_kc" && -n "$KUBECTL" ]] || return 1
  local c f out
  for c in etcd kube-apiserver kube-controller-manager kube-scheduler kwok-controller; do
    f="$kc_dir/pids/$c.pid"
    [[ -f "$f" ]] || return 1
    ours "$(<"$f")" || return 1
  done
  out="$("$KUBECTL" --kubeconfig "$admin_kc" --request-timeout=5s get --raw /readyz 2>/dev/null)" || return 1
  [[ "$out" == ok ]]
}

# ours PID: PID is alive and one of this cluster's processes (its arguments name the cluster dir).
ours() {
  [[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline")" == *"$dir/"* ]]
}

# The process in eks-webhook.pid is ours and answers GET /healthz with 200.
eks_webhook_up() {
  [[ -f "$eks_pid_file" && -f "$dir/ports" ]] || return 1
  ours "$(<"$eks_pid_file")" || return 1
  local port status="" fd
  port="$(sed -n 's/^eks_webhook=//p' "$dir/ports")"
  [[ -n "$port" ]] || return 1
  { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
  printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&"$fd"
  read -r -t 2 status <&"$fd" || true
  exec {fd}>&-
  [[ "$status" == "HTTP/1.0 200"* ]]
}

take_lock() {
  mkdir -p "$STATE"
  exec 9>"$lock_file"
  if ! flock -n 9; then
    log "waiting for another process holding $lock_file"
    flock -w "${PERISCOPE_TESTENV_LOCK_TIMEOUT:-900}" 9 || die "timed out waiting for $lock_file"
  fi
}

# ---------------------------------------------------------------------------------
# Processes

# PIDs of processes that belong to the cluster(s) under $1: the control-plane binaries
# kwokctl started (etcd, kube-*, kwok; each gets config/data paths under the cluster
# dir as arguments), eks-webhook (its --config is in the cluster dir) and commands
# started by `kubectl exec` (their cwd is a cluster's exec work dir). Never this script
# or its ancestors.
cluster_pids() {
  local prefix="$1" p cmd cwd exe self=" $$ $BASHPID " a=$$
  while [[ "$a" -gt 1 ]]; do
    self+="$a "
    a="$(awk '{print $4}' "/proc/$a/stat" 2>/dev/null || echo 1)"
  done
  for p in /proc/[0-9]*; do
    p="${p#/proc/}"
    [[ "$self" == *" $p "* ]] && continue
    cwd="$(readlink "/proc/$p/cwd" 2>/dev/null)" || continue
    case "$cwd" in
      "$prefix"/exec|"$prefix"/exec/*|"$prefix"/*/exec|"$prefix"/*/exec/*) echo "$p"; continue ;;
    esac
    exe="$(readlink "/proc/$p/exe" 2>/dev/null)" || continue
    exe="${exe% (deleted)}"
    case "${exe##*/}" in
      etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kwok|kwokctl|eks-webhook|metrics-server) ;;
      *) continue ;;
    esac
    cmd="$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" || continue
    [[ "$cmd" == *"$prefix/"* ]] && echo "$p"
  done
  return 0
}

# stop_processes DIR: SIGKILL and wait until they are gone. The state is deleted right
# after, so there is nothing to shut down gracefully -- and a SIGTERMed kube-apiserver
# whose etcd is already gone hangs in its shutdown sequence for minutes.
stop_processes() {
  local prefix="$1" pids i
  pids="$(cluster_pids "$prefix")"
  [[ -z "$pids" ]] && return 0
  log "stopping pids $(echo $pids)"
  for i in $(seq 1 20); do
    kill -KILL $pids 2>/dev/null || true
    sleep 0.25
    pids="$(cluster_pids "$prefix")"
    [[ -z "$pids" ]] && return 0
  done
  die "could not stop pids $(echo $pids)"
}

teardown() {
  stop_processes "$dir"
  rm -rf "$dir"
}

# ---------------------------------------------------------------------------------
# Ports: eight per cluster (apiserver, etcd client, etcd peer, kwok's kubelet server,
# kube-controller-manager and kube-scheduler health ports, eks-webhook, metrics-server). kwokctl's own picker walks
# down from 32767 and only knows clusters under the same KWOK_WORKDIR, so two
# concurrent creates would collide. Pick here instead, under a
# global lock, skipping ports in use and ports reserved by other clusters' state.

pick_ports() {
  exec 8>"$STATE/.ports.lock"
  flock -w 60 8 || die "timed out waiting for $STATE/.ports.lock"
  local taken p n=0
  taken=" $(cat "$STATE"/*/ports 2>/dev/null | cut -d= -f2 | tr '\n' ' ' || true) "
  taken+="$(ss -Htan 2>/dev/null | awk '{n=split($4, a, ":"); printf "%s ", a[n]}') "
  ports=()
  while [[ ${#ports[@]} -lt 8 ]]; do
    (( ++n < 1000 )) || die "could not find free ports"
    p=$((20000 + RANDOM % 12000))
    [[ "$taken" == *" $p "* ]] && continue
    taken+="$p "
    ports+=("$p")
  done
  printf 'apiserver=%s\netcd=%s\netcd_peer=%s\nkwok=%s\nkcm=%s\nscheduler=%s\neks_webhook=%s\nmetrics_server=%s\n' \
    "${ports[@]}" >"$dir/ports"
  flock -u 8
  exec 8>&-
}

# ---------------------------------------------------------------------------------
# Generated inputs

# CRI-format container logs (what kwok's log reader parses): "<RFC3339Nano> <stream> F <msg>".
write_pod_logs() {
  local now i ts stream
  mkdir -p "$dir/pod-logs"
  now="$(date +%s)"
  {
    for i in $(seq 1 20); do
      ts="$(TZ=UTC printf '%(%Y-%m-%dT%H:%M:%S)T' $((now - 600 + i))).000000000Z"
      echo "$ts stdout F periscope-testenv previous instance line $i"
    done
    echo "$ts stderr F periscope-testenv previous instance exiting: signal terminated"
  } >"$dir/pod-logs/previous.log"
  {
    for i in $(seq 1 40); do
      ts="$(TZ=UTC printf '%(%Y-%m-%dT%H:%M:%S)T' $((now - 40 + i))).000000000Z"
      stream=stdout
      (( i % 10 == 0 )) && stream=stderr
      if [[ $i == 1 ]]; then
        echo "$ts stdout F periscope-testenv container started (cluster $name)"
      elif [[ $stream == stderr ]]; then
        echo "$ts stderr F level=warn msg=\"periscope-testenv line $i\" cluster=$name"
      else
        echo "$ts stdout F level=info msg=\"periscope-testenv line $i\" cluster=$name path=/healthz status=200"
      fi
    done
  } >"$dir/pod-logs/current.log"
}

# kwokctl --config: cluster options plus kwok's ClusterLogs, ClusterExec,
# ClusterPortForward and ClusterResourceUsage, which apply to every pod and container on the
# fake nodes.
write_kwok_config() {
  local kube_version="$1"
  # shellcheck disable=SC1090
  source "$dir/ports"
  mkdir -p "$dir/exec"
  write_metrics_server_manifests
  # Scrape every 10 s, the least metrics-server accepts (kwokctl's default is 15 s); the kubelet
  # request timeout must stay under 90% of it. The bench cluster's two nodes run 5,000 pods
  # each, whose /metrics/resource kwok takes longer than 5 s to compute on a small machine: it
  # is scraped every minute with a 50 s timeout.
  local resolution=10s request_timeout=5s
  if [[ $name == bench ]]; then resolution=60s request_timeout=50s; fi
  cat >"$dir/kwok-config.yaml" <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  kubeVersion: $kube_version
  bindAddress: 127.0.0.1
  kubeApiserverPort: $apiserver
  etcdPort: $etcd
  etcdPeerPort: $etcd_peer
  kwokControllerPort: $kwok
  kubeBinaryPrefix: $bin
  kubectlBinary: $KUBECTL
  etcdBinary: $bin/etcd
  kwokControllerBinary: $bin/kwok
  kubeControllerManagerPort: $kcm
  kubeSchedulerPort: $scheduler
  # Per-pod Logs and PortForward objects (kwok.x-k8s.io/v1alpha1, named after their pod)
  # override the ClusterLogs and ClusterPortForward below, so tests can give pods logs of
  # their own and forward a pod's ports to a TCP server they run.
  enableCRDs:
    - Logs
    - PortForward
  # metrics-server (built by build-tools.sh from testenv/metricsserver), run by kwokctl like the
  # other components. kwokctl then also gives kwok the Metric and ClusterResourceUsage below
  # (the kubelet's /metrics/resource, served by kwok at /metrics/nodes/NODE/metrics/resource;
  # nodes name that path in their metrics.k8s.io/resource-metrics-path annotation, see
  # seed/10-nodes.yaml), and applies the APIService v1beta1.metrics.k8s.io and the
  # ExternalName Service kube-system/metrics-server from metricsServerManifests (a local
  # kustomize dir: nothing is downloaded).
  enableMetricsServer: true
  metricsServerBinary: $bin/metrics-server
  metricsServerPort: $metrics_server
  metricsServerManifests:
    - $dir/metrics-server-manifests
componentsPatches:
  # EKS bearer tokens (k8s-aws-v1.*) are checked by eks-webhook, as aws-iam-authenticator does
  # on EKS. The requestheader flags make the aggregation layer pass the caller's identity on to
  # metrics-server as on a real cluster (kwokctl sets only the proxy client cert, its admin cert).
  - name: kube-apiserver
    extraArgs:
      - key: authentication-token-webhook-config-file
        value: $eks_kc
      - key: authentication-token-webhook-version
        value: v1
      - key: requestheader-client-ca-file
        value: $kc_dir/pki/ca.crt
      - key: requestheader-allowed-names
        value: kwok-admin
      - key: requestheader-username-headers
        value: X-Remote-User
      - key: requestheader-group-headers
        value: X-Remote-Group
      - key: requestheader-extra-headers-prefix
        value: X-Remote-Extra-
  # How often metrics-server scrapes and how long it waits for a node (see above).
  - name: metrics-server
    extraArgs:
      - key: metric-resolution
        value: $resolution
        override: true
      - key: kubelet-request-timeout
        value: $request_timeout
---
# Resource usage of every container on the fake nodes, what kwok's kubelet metrics report and
# metrics-server serves: the pod's annotations kwok.x-k8s.io/usage-cpu and
# kwok.x-k8s.io/usage-memory (Kubernetes quantities, per container; they can be changed on a
# running pod), else cpu 10m and memory 20Mi. A node's usage is the sum over its pods.
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterResourceUsage
metadata:
  name: periscope-testenv-usage
spec:
  selector: {}
  usages:
    - usage:
        cpu:
          expression: |
            "kwok.x-k8s.io/usage-cpu" in pod.metadata.annotations
            ? Quantity(pod.metadata.annotations["kwok.x-k8s.io/usage-cpu"])
            : Quantity("10m")
        memory:
          expression: |
            "kwok.x-k8s.io/usage-memory" in pod.metadata.annotations
            ? Quantity(pod.metadata.annotations["kwok.x-k8s.io/usage-memory"])
            : Quantity("20Mi")
---
# kwok's kubelet /metrics/resource, which metrics-server scrapes: kwok's own Metric
# "metrics-resource" (kustomize/metrics/resource in the kwok module), except that the CPU
# counters start at 1 µs instead of 0. kwok's counter is 0 at its first scrape and
# metrics-server drops a point with zero CPU, so a new pod or node would only get metrics after
# a third scrape (20-30 s) instead of the second (10-20 s). Rates are unchanged.
# (container_start_time_seconds is the container's age, as upstream: a real start time would
# make metrics-server report 0 CPU for a container's first scrape.)
kind: Metric
apiVersion: kwok.x-k8s.io/v1alpha1
metadata:
  name: metrics-resource
spec:
  path: "/metrics/nodes/{nodeName}/metrics/resource"
  metrics:
    - name: scrape_error
      dimension: node
      help: 1 if there was an error while getting metrics from the node, 0 otherwise
      kind: gauge
      value: '0'
    - name: container_start_time_seconds
      dimension: container
      help: Start time of the container since unix epoch in seconds
      kind: gauge
      labels:
        - {name: container, value: 'container.name'}
        - {name: namespace, value: 'pod.metadata.namespace'}
        - {name: pod, value: 'pod.metadata.name'}
      value: 'pod.SinceSecond()'
    - name: container_cpu_usage_seconds_total
      dimension: container
      help: Cumulative cpu time consumed by the container in core-seconds
      kind: counter
      labels:
        - {name: container, value: 'container.name'}
        - {name: namespace, value: 'pod.metadata.namespace'}
        - {name: pod, value: 'pod.metadata.name'}
      value: 'pod.CumulativeUsage("cpu", container.name) + 0.000001'
    - name: container_memory_working_set_bytes
      dimension: container
      help: Current working set of the container in bytes
      kind: gauge
      labels:
        - {name: container, value: 'container.name'}
        - {name: namespace, value: 'pod.metadata.namespace'}
        - {name: pod, value: 'pod.metadata.name'}
      value: 'pod.Usage("memory", container.name)'
    - name: pod_cpu_usage_seconds_total
      dimension: pod
      help: Cumulative cpu time consumed by the pod in core-seconds
      kind: counter
      labels:
        - {name: namespace, value: 'pod.metadata.namespace'}
        - {name: pod, value: 'pod.metadata.name'}
      value: 'pod.CumulativeUsage("cpu") + 0.000001'
    - name: pod_memory_working_set_bytes
      dimension: pod
      help: Current working set of the pod in bytes
      kind: gauge
      labels:
        - {name: namespace, value: 'pod.metadata.namespace'}
        - {name: pod, value: 'pod.metadata.name'}
      value: 'pod.Usage("memory")'
    - name: node_cpu_usage_seconds_total
      dimension: node
      help: Cumulative cpu time consumed by the node in core-seconds
      kind: counter
      value: 'node.CumulativeUsage("cpu") + 0.000001'
    - name: node_memory_working_set_bytes
      dimension: node
      help: Current working set of the node in bytes
      kind: gauge
      value: 'node.Usage("memory")'
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: periscope-testenv-logs
spec:
  selector: {}
  logs:
    - logsFile: $dir/pod-logs/current.log
      previousLogsFile: $dir/pod-logs/previous.log
      follow: true
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterExec
metadata:
  name: periscope-testenv-exec
spec:
  selector: {}
  execs:
    - local:
        workDir: $dir/exec
        envs:
          - name: PATH
            value: $SYS_PATH
          - name: HOME
            value: $dir/exec
          - name: PWD
            value: $dir/exec
          - name: TERM
            value: xterm-256color
          - name: SHELL
            value: /bin/sh
          - name: PERISCOPE_TESTENV_CLUSTER
            value: $name
---
# kubectl port-forward to any port of any pod: each connection runs this command with the
# connection as its stdin and stdout. It greets with one line naming the cluster, then echoes.
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterPortForward
metadata:
  name: periscope-testenv-port-forward
spec:
  selector: {}
  forwards:
    - command:
        - /bin/sh
        - -c
        - echo "periscope-testenv port-forward cluster=$name"; exec cat
EOF
}

# The manifests kwokctl applies for metrics-server (metricsServerManifests, built with
# `kubectl kustomize`): upstream's APIService and Service. kwokctl points the APIService at
# metrics-server's port and turns the Service into an ExternalName for 127.0.0.1. Upstream's
# ClusterRole system:aggregated-metrics-reader (kwokctl would drop RBAC objects) is a seed.
write_metrics_server_manifests() {
  local m="$dir/metrics-server-manifests"
  mkdir -p "$m"
  cat >"$m/kustomization.yaml" <<'EOF'
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - metrics-server.yaml
EOF
  cat >"$m/metrics-server.yaml" <<'EOF'
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.metrics.k8s.io
  labels:
    k8s-app: metrics-server
spec:
  service:
    name: metrics-server
    namespace: kube-system
  group: metrics.k8s.io
  version: v1beta1
  insecureSkipTLSVerify: true
  groupPriorityMinimum: 100
  versionPriority: 100
---
apiVersion: v1
kind: Service
metadata:
  name: metrics-server
  namespace: kube-system
  labels:
    k8s-app: metrics-server
spec:
  ports:
    - name: https
      port: 443
      protocol: TCP
      targetPort: https
EOF
}

# ---------------------------------------------------------------------------------
# eks-webhook: the apiserver's webhook token authenticator for EKS bearer tokens
# (testenv/ekswebhook), so Periscope's `eks` backend is tested against the real apiserver.

# The webhook's config -- cluster id NAME and two credentials made here, both for user
# periscope-eks-server: a long-term key (AKID...) and a temporary one with a session token
# (ASIA..., what IRSA and Pod Identity hand out) -- and the kubeconfig that points the apiserver
# at the webhook. Mode 600: the secrets are credentials.
write_eks_webhook_files() {
  # shellcheck disable=SC1090
  source "$dir/ports"
  local suffix secret session_secret session_token
  suffix="PERISCOPETEST$(tr -cd 'a-z0-9' <<<"$name" | tr 'a-z' 'A-Z')"
  # 30 random bytes in base64: 40 characters of [A-Za-z0-9+/], the shape of an AWS secret key.
  secret="$(head -c 30 /dev/urandom | base64)"
  session_secret="$(head -c 30 /dev/urandom | base64)"
  # Real session tokens are long base64 with "+", "/" and "=", all of which a token must encode.
  session_token="$(head -c 301 /dev/urandom | base64 -w0)"
  (
    umask 077
    cat >"$eks_json" <<EOF
{
  "clusterID": "$name",
  "credentials": [
    {
      "accessKeyId": "AKID$suffix",
      "secretAccessKey": "$secret",
      "username": "periscope-eks-server",
      "groups": []
    },
    {
      "accessKeyId": "ASIA$suffix",
      "secretAccessKey": "$session_secret",
      "sessionToken": "$session_token",
      "username": "periscope-eks-server",
      "groups": []
    }
  ]
}
EOF
    cat >"$eks_kc" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: eks-webhook
    cluster:
      server: http://127.0.0.1:$eks_webhook/tokenreview
users:
  - name: kube-apiserver
contexts:
  - name: eks-webhook
    context:
      cluster: eks-webhook
      user: kube-apiserver
current-context: eks-webhook
EOF
  )
}

# (Re)start eks-webhook from this cluster's bin dir, detached in its own session like the
# apiserver after restart-apiserver, and wait until it answers.
start_eks_webhook() {
  # shellcheck disable=SC1090
  source "$dir/ports"
  local exe pid i
  exe="$(<"$dir/bin-dir")/eks-webhook"
  [[ -x "$exe" ]] || die "$exe is missing (testenv/build-tools.sh builds it)"
  if [[ -f "$eks_pid_file" ]] && ours "$(<"$eks_pid_file")"; then
    pid="$(<"$eks_pid_file")"
    kill -KILL "$pid" 2>/dev/null || true
    for i in $(seq 1 40); do
      [[ -e "/proc/$pid" ]] || break
      sleep 0.05
    done
  fi
  # 8>&- 9>&-: the daemon must not inherit (and so hold forever) our lock files.
  ( exec setsid env -i PATH="$SYS_PATH" "$exe" --addr "127.0.0.1:$eks_webhook" --config "$eks_json" \
      </dev/null >>"$dir/eks-webhook.log" 2>&1 8>&- 9>&- ) &
  pid=$!
  # setsid forks only when already a group leader; a subshell is not, so $! is the daemon.
  echo "$pid" >"$eks_pid_file"
  for i in $(seq 1 100); do
    eks_webhook_up && return 0
    [[ -e "/proc/$pid" ]] || break
    sleep 0.05
  done
  tail -n 5 "$dir/eks-webhook.log" >&2
  die "eks-webhook did not start on 127.0.0.1:$eks_webhook"
}

# Cold-start self-check: a token minted from eks-webhook.json (as `aws eks get-token` would
# make it) authenticates through the apiserver as periscope-eks-server.
check_eks_webhook() {
  # shellcheck disable=SC1090
  source "$dir/ports"
  local token out
  token="$("$(<"$dir/bin-dir")/eks-webhook" token --config "$eks_json")"
  out="$("$KUBECTL" --kubeconfig /dev/null --server "https://127.0.0.1:$apiserver" \
      --certificate-authority "$kc_dir/pki/ca.crt" --token "$token" --request-timeout=30s \
      auth whoami -o jsonpath='{.status.userInfo.username}' 2>&1)" || true
  [[ "$out" == periscope-eks-server ]] ||
    die "an EKS token authenticated as '$out', not periscope-eks-server; see $dir/eks-webhook.log"
}

# ---------------------------------------------------------------------------------
# metrics-server: kwokctl starts it (pid in kwokctl's pids/metrics-server.pid, log in its
# logs/metrics-server.log). `cluster.sh metrics-server stop|start` and `up` stop and start it
# again from the command line saved at creation.

# The process in metrics-server.pid is ours.
metrics_server_running() {
  [[ -f "$ms_pid_file" ]] && ours "$(<"$ms_pid_file")"
}

# Save the running metrics-server's argv, environment and working directory (from /proc,
# NUL-separated), so it can be started again exactly as kwokctl started it.
save_metrics_server_cmd() {
  local pid i
  # metrics-server exits at once when it cannot yet read the apiserver's authentication
  # ConfigMap (seen on a fresh cluster): kwokctl's `start cluster` starts again the components
  # that are not running, with the command line it made.
  for i in 1 2 3; do
    metrics_server_running && break
    log "metrics-server is not running; starting it again (attempt $i)"
    # kwokctl takes a pid that still exists (a dead process nobody reaped) for running.
    rm -f "$ms_pid_file"
    kwokctl_run start cluster --name "$name" >>"$dir/kwokctl-create.log" 2>&1 || true
    sleep 2
  done
  metrics_server_running || die "metrics-server is not running (see $kc_dir/logs/metrics-server.log)"
  pid="$(<"$ms_pid_file")"
  mkdir -p "$ms_cmd_dir"
  cat "/proc/$pid/cmdline" >"$ms_cmd_dir/args"
  cat "/proc/$pid/environ" >"$ms_cmd_dir/env"
  readlink "/proc/$pid/cwd" >"$ms_cmd_dir/cwd"
}

# The apiserver serves metrics.k8s.io, i.e. the APIService is Available and metrics-server
# answers through the aggregation layer.
metrics_api_served() {
  "$KUBECTL" --kubeconfig "$admin_kc" --request-timeout=5s get --raw /apis/metrics.k8s.io/v1beta1 >/dev/null 2>&1
}

# wait_metrics_api TIMEOUT_SECONDS. The aggregator re-checks an unavailable APIService with a
# backoff of up to 30 s; touching the APIService makes it check again at once.
wait_metrics_api() {
  local deadline=$((SECONDS + $1)) next=0
  until metrics_api_served; do
    (( SECONDS < deadline )) || return 1
    if (( SECONDS >= next )); then
      kube annotate --overwrite apiservice v1beta1.metrics.k8s.io \
        "periscope.dev/testenv-checked=$(date +%s%N)" >/dev/null 2>&1 || true
      next=$((SECONDS + 2))
    fi
    sleep 0.2
  done
}

stop_metrics_server() {
  local pid i
  metrics_server_running || return 0
  pid="$(<"$ms_pid_file")"
  log "stopping metrics-server (pid $pid)"
  kill -KILL "$pid" 2>/dev/null || true
  for i in $(seq 1 40); do
    [[ -e "/proc/$pid" ]] || return 0
    sleep 0.05
  done
  die "metrics-server pid $pid did not exit"
}

# Start metrics-server again, detached in its own session like the apiserver after
# restart-apiserver, with its new pid in kwokctl's pid file, and wait (60 s) until the
# apiserver serves metrics.k8s.io. Metrics for nodes and pods follow after one or two scrapes.
start_metrics_server() {
  # shellcheck disable=SC1090
  source "$dir/ports"
  local pid cwd fd i log="$kc_dir/logs/metrics-server.log"
  local -a args=() envs=()
  if ! metrics_server_running; then
    [[ -s "$ms_cmd_dir/args" && -f "$ms_cmd_dir/cwd" ]] || die "no saved metrics-server command in $ms_cmd_dir"
    mapfile -d '' -t args <"$ms_cmd_dir/args"
    mapfile -d '' -t envs <"$ms_cmd_dir/env"
    cwd="$(<"$ms_cmd_dir/cwd")"
    log "starting metrics-server"
    # 8>&- 9>&-: the daemon must not inherit (and so hold forever) our lock files.
    ( cd "$cwd" && exec setsid env -i "${envs[@]}" "${args[@]}" </dev/null >>"$log" 2>&1 8>&- 9>&- ) &
    pid=$!
    # setsid forks only when already a group leader; a subshell is not, so $! is the daemon.
    echo "$pid" >"$ms_pid_file"
    for i in $(seq 1 200); do
      { exec {fd}<>"/dev/tcp/127.0.0.1/$metrics_server"; } 2>/dev/null && { exec {fd}>&-; break; }
      [[ -e "/proc/$pid" ]] || { tail -n 25 "$log" >&2; die "metrics-server exited"; }
      sleep 0.05
    done
  fi
  wait_metrics_api 120 || { tail -n 25 "$log" >&2; die "metrics.k8s.io is not served after 120 s"; }
}

# kwokctl runs with a scrubbed environment; its children (etcd, the kube-* binaries,
# kwok) inherit it, and kwok passes it on to whatever `kubectl exec` starts. The local
# binaries are given in the KwokctlConfiguration document above (the same settings
# as KWOK_KUBE_BINARY_PREFIX, KWOK_ETCD_BINARY, KWOK_CONTROLLER_BINARY and
# KWOK_KUBECTL_BINARY) so that none of those variables leak into exec sessions;
# only KWOK_WORKDIR has to be an environment variable.
kwokctl_run() {
  # 8>&- 9>&-: the daemons must not inherit (and so hold forever) our lock files.
  env -i PATH="$SYS_PATH" HOME="$HOME" LANG=C.UTF-8 KWOK_WORKDIR="$kwok_workdir" \
    "$bin/kwokctl" --config "$dir/kwok-config.yaml" "$@" 8>&- 9>&-
}

# write_kubeconfig FILE SERVER USER CREDENTIAL-FLAGS...: a one-context kubeconfig for this
# cluster with the CA and credentials embedded, written atomically with mode 600.
write_kubeconfig() {
  local file="$1" server="$2" user="$3" tmp="$1.tmp"
  shift 3
  rm -f "$tmp"
  {
    "$KUBECTL" config --kubeconfig "$tmp" set-cluster "$name" --server "$server" \
      --certificate-authority "$kc_dir/pki/ca.crt" --embed-certs=true
    "$KUBECTL" config --kubeconfig "$tmp" set-credentials "$user" "$@"
    "$KUBECTL" config --kubeconfig "$tmp" set-context "$name" --cluster "$name" --user "$user"
    "$KUBECTL" config --kubeconfig "$tmp" use-context "$name"
  } >/dev/null
  chmod 600 "$tmp"
  mv "$tmp" "$file"
}

write_admin_kubeconfig() {
  # shellcheck disable=SC1090
  source "$dir/ports"
  write_kubeconfig "$admin_kc" "https://127.0.0.1:$apiserver" "$name-admin" \
    --client-certificate "$kc_dir/pki/admin.crt" --client-key "$kc_dir/pki/admin.key" --embed-certs=true
}

# write_sa_kubeconfig SA FILE: a TokenRequest token for periscope-system/SA.
write_sa_kubeconfig() {
  local sa="$1" file="$2" token server
  token="$(kube -n periscope-system create token "$sa" --duration "$TOKEN_DURATION")"
  server="$(kube config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
  write_kubeconfig "$file" "$server" "$sa" --token "$token"
}

# Re-issue a ServiceAccount kubeconfig if it is missing or its token no longer works.
ensure_sa_kubeconfig() {
  local sa="$1" file="$2"
  if [[ -f "$file" ]] && "$KUBECTL" --kubeconfig "$file" --request-timeout=10s auth whoami -o name >/dev/null 2>&1; then
    return 0
  fi
  log "issuing token for periscope-system/$sa -> $file"
  write_sa_kubeconfig "$sa" "$file"
}

apply_seeds() {
  local ssa=(apply --server-side --force-conflicts --field-manager "$FIELD_MANAGER")
  # Namespaces and the CRD first; the Widget can only be applied once the CRD is served.
  kube "${ssa[@]}" -f "$here/seed/00-namespaces.yaml" -f "$here/seed/01-crd-widgets.yaml" >/dev/null
  # kubectl wait fails at once ("accessor error: <nil>") if it reads the CRD while its
  # status.conditions is still null; a second wait then finds it set.
  kube wait --for condition=Established --timeout=60s crd/widgets.periscope.dev >/dev/null 2>&1 ||
    kube wait --for condition=Established --timeout=60s crd/widgets.periscope.dev >/dev/null
  kube "${ssa[@]}" -f "$here/seed/" >/dev/null
}

wait_workloads() {
  kube -n team-a rollout status deployment/web --timeout=120s >/dev/null
  kube -n team-b rollout status deployment/api --timeout=120s >/dev/null
}

# Cold-start self-check: logs, exec and port-forward on a web pod, through the apiserver and kwok.
check_debugging() {
  local pod out
  pod="$(kube -n team-a get pods -l app=web -o jsonpath='{.items[0].metadata.name}')"
  out="$(kube -n team-a logs "$pod" --tail=1)"
  [[ "$out" == *periscope-testenv* ]] || die "kubectl logs on team-a/$pod returned: $out"
  out="$(kube -n team-a exec "$pod" -- sh -c 'echo "$PERISCOPE_TESTENV_CLUSTER"')"
  [[ "$out" == "$name" ]] || die "kubectl exec on team-a/$pod returned: $out"
  check_port_forward "$pod"
}

# kubectl port-forward to a local port the OS picks; the ClusterPortForward command greets
# with the cluster's name.
check_port_forward() {
  local pod="$1" pf_log="$dir/port-forward-check.log" pf port="" line="" fd i
  # kubectl itself in the background (not the kube function, whose subshell a kill would miss),
  # without our lock descriptors.
  "$KUBECTL" --kubeconfig "$admin_kc" -n team-a port-forward "pod/$pod" :80 >"$pf_log" 2>&1 8>&- 9>&- &
  pf=$!
  for i in $(seq 1 100); do
    port="$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$pf_log")"
    [[ -n "$port" ]] && break
    kill -0 "$pf" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -n "$port" ]] && exec {fd}<>"/dev/tcp/127.0.0.1/$port"; then
    read -r -t 10 line <&"$fd" || true
    exec {fd}>&-
  fi
  kill "$pf" 2>/dev/null || true
  wait "$pf" 2>/dev/null || true
  [[ "$line" == "periscope-testenv port-forward cluster=$name" ]] ||
    die "kubectl port-forward to team-a/$pod:80 greeted with '$line'; kubectl said: $(cat "$pf_log")"
  rm -f "$pf_log"
}

dump_logs() {
  local f
  for f in "$kc_dir"/logs/*.log "$dir/eks-webhook.log"; do
    [[ -f "$f" ]] || continue
    echo "----- $f (last 25 lines)" >&2
    tail -n 25 "$f" >&2
  done
}

# ---------------------------------------------------------------------------------
# Subcommands

cmd_up() {
  set_paths "$1"
  local t0=$SECONDS
  mkdir -p "$STATE"
  # Serialise builds: concurrent `up`s must not both start a cold build.
  bin="$(flock -w 3600 "$STATE/.build.lock" "$here/build.sh")" || die "testenv/build.sh failed"
  [[ -n "${PERISCOPE_KUBECTL:-}" ]] || KUBECTL="$bin/kubectl"
  [[ -x "$KUBECTL" ]] || die "kubectl not found at $KUBECTL"
  take_lock

  # A cluster made by an older version of this script (no per-pod Logs or PortForward CRD,
  # so no ClusterPortForward either; no eks-webhook; no metrics-server) is made again. A dead
  # eks-webhook is started again with the same port and credential, a stopped metrics-server
  # with the same command line.
  if control_plane_up; then
    if ! kube get crd logs.kwok.x-k8s.io portforwards.kwok.x-k8s.io >/dev/null 2>&1; then
      log "made by an older testenv (no logs/portforwards.kwok.x-k8s.io); recreating"
      teardown
    elif [[ ! -f "$eks_json" ]]; then
      log "made by an older testenv (no eks-webhook); recreating"
      teardown
    elif [[ ! -s "$ms_cmd_dir/args" ]] || ! kube get apiservice v1beta1.metrics.k8s.io >/dev/null 2>&1; then
      log "made by an older testenv (no metrics-server, APIService v1beta1.metrics.k8s.io); recreating"
      teardown
    else
      if ! eks_webhook_up; then
        log "eks-webhook is not answering; starting it again"
        start_eks_webhook
      fi
      if ! metrics_server_running; then
        log "metrics-server is not running; starting it again"
        start_metrics_server
      fi
    fi
  fi
  if is_up && metrics_server_running; then
    log "already up; re-applying seeds"
    apply_seeds
    wait_workloads
    ensure_sa_kubeconfig periscope-bridge "$bridge_kc"
    ensure_sa_kubeconfig periscope-viewer "$viewer_kc"
    log "ready in $((SECONDS - t0))s"
    echo "$dir"
    return 0
  fi

  if [[ -e "$dir" ]]; then
    log "found stale state in $dir; recreating"
    teardown
  fi
  mkdir -p "$dir"
  echo "$bin" >"$dir/bin-dir"
  local kube_version
  kube_version="$("$bin/kube-apiserver" --version | awk '{print $2}')"
  pick_ports
  write_pod_logs
  write_kwok_config "$kube_version"
  write_eks_webhook_files

  # From here on, any failure dumps the component logs and removes the half-made
  # cluster (keep it with PERISCOPE_TESTENV_KEEP_FAILED=1).
  trap on_create_exit EXIT
  # Before the apiserver, which asks it about every bearer token it does not know itself.
  start_eks_webhook
  log "creating cluster (Kubernetes $kube_version, binaries in $bin)"
  if ! kwokctl_run create cluster --name "$name" --runtime binary --kubeconfig= \
        --timeout 5m --wait 2m >"$dir/kwokctl-create.log" 2>&1; then
    cat "$dir/kwokctl-create.log" >&2
    die "kwokctl create cluster failed"
  fi
  write_admin_kubeconfig
  local i
  for i in $(seq 1 120); do
    is_up && break
    sleep 0.5
  done
  is_up || die "the control plane did not become ready"
  save_metrics_server_cmd
  log "control plane ready after $((SECONDS - t0))s; applying seeds"
  apply_seeds
  wait_workloads
  write_sa_kubeconfig periscope-bridge "$bridge_kc"
  write_sa_kubeconfig periscope-viewer "$viewer_kc"
  check_debugging
  check_eks_webhook
  # Only the usage tests need metrics, and they wait for samples themselves: a slow start under
  # load (many clusters made at once) is reported, not fatal.
  wait_metrics_api 60 || log "warning: metrics.k8s.io is not served yet; see $kc_dir/logs/metrics-server.log"
  trap - EXIT
  log "ready in $((SECONDS - t0))s"
  echo "$dir"
}

on_create_exit() {
  local rc=$?
  [[ $rc -ne 0 ]] || return 0
  dump_logs
  if [[ -n "${PERISCOPE_TESTENV_KEEP_FAILED:-}" ]]; then
    log "creation failed; state kept in $dir (PERISCOPE_TESTENV_KEEP_FAILED)"
  else
    log "creation failed; removing $dir"
    teardown || true
  fi
  exit "$rc"
}

cmd_down() {
  set_paths "$1"
  take_lock
  if [[ -e "$dir" ]]; then
    teardown
    log "deleted"
  else
    log "not present"
  fi
}

cmd_down_all() {
  local d
  [[ -d "$STATE" ]] || return 0
  for d in "$STATE"/*/; do
    [[ -d "$d" ]] || continue
    d="$(basename "$d")"
    [[ "$d" =~ ^[a-z][a-z0-9-]{0,30}$ ]] || continue
    ( cmd_down "$d" )
  done
  # Anything still running from the state root (e.g. a cluster dir removed by hand).
  name='*'
  stop_processes "$STATE"
}

cmd_status() {
  set_paths "$1"
  if is_up; then
    echo "$name up $("$KUBECTL" --kubeconfig "$admin_kc" config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
  else
    echo "$name down"
    return 1
  fi
}

cmd_list() {
  local d
  [[ -d "$STATE" ]] || return 0
  for d in "$STATE"/*/; do
    [[ -d "$d" ]] || continue
    ( cmd_status "$(basename "$d")" ) || true
  done
}

# metrics-server stop|start NAME: stop it (SIGKILL; metrics.k8s.io then answers 503 while the
# rest of the apiserver keeps working) or start it again (no-op if it runs) and wait until
# metrics.k8s.io is served. Holds the cluster's lock; prints nothing on stdout.
cmd_metrics_server() {
  local action="$1"
  set_paths "$2"
  take_lock
  control_plane_up || die "not up"
  case "$action" in
    stop) stop_metrics_server ;;
    start) start_metrics_server ;;
    *) usage ;;
  esac
}

# Restart only kube-apiserver, the way a crash and a supervisor would: the same binary,
# arguments, environment and working directory (read from /proc before the kill), output
# appended to the same log, detached in its own session, its new pid in kwokctl's pid file.
cmd_restart_apiserver() {
  set_paths "$1"
  local down="${2:-0}" pid_file pid exe log cwd i
  [[ "$down" =~ ^[0-9]+$ ]] || die "bad DOWN_SECONDS '$down'"
  take_lock
  is_up || die "not up"
  pid_file="$kc_dir/pids/kube-apiserver.pid"
  pid="$(<"$pid_file")"
  exe="$(readlink "/proc/$pid/exe")" || die "kube-apiserver pid $pid is gone"
  exe="${exe% (deleted)}"
  [[ "${exe##*/}" == kube-apiserver ]] || die "pid $pid is $exe, not kube-apiserver"
  local -a args=() envs=()
  mapfile -d '' -t args <"/proc/$pid/cmdline"
  mapfile -d '' -t envs <"/proc/$pid/environ"
  cwd="$(readlink "/proc/$pid/cwd")"
  log="$kc_dir/logs/kube-apiserver.log"
  log "killing kube-apiserver (pid $pid)"
  kill -KILL "$pid"
  for i in $(seq 1 40); do
    [[ -e "/proc/$pid" ]] || break
    sleep 0.25
  done
  if [[ -e "/proc/$pid" ]]; then
    die "kube-apiserver pid $pid did not exit"
  fi
  sleep "$down"
  log "starting kube-apiserver again"
  # 8>&- 9>&-: the daemon must not inherit (and so hold forever) our lock files.
  ( cd "$cwd" && exec setsid env -i "${envs[@]}" "${args[@]}" </dev/null >>"$log" 2>&1 8>&- 9>&- ) &
  pid=$!
  # setsid forks only when already a group leader; a subshell is not, so $! is the daemon.
  sleep 0.2
  [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$exe" ]] || { tail -n 25 "$log" >&2; die "kube-apiserver did not start"; }
  echo "$pid" >"$pid_file"
  for i in $(seq 1 240); do
    is_up && { log "kube-apiserver ready (pid $pid)"; return 0; }
    [[ -e "/proc/$pid" ]] || { tail -n 25 "$log" >&2; die "kube-apiserver exited"; }
    sleep 0.25
  done
  tail -n 25 "$log" >&2
  die "kube-apiserver did not become ready"
}

[[ $# -ge 1 ]] || usage
sub="$1"; shift
case "$sub" in
  up)       [[ $# -eq 1 ]] || usage; cmd_up "$1" ;;
  down)     [[ $# -eq 1 ]] || usage; cmd_down "$1" ;;
  down-all) [[ $# -eq 0 ]] || usage; cmd_down_all ;;
  status)   [[ $# -eq 1 ]] || usage; cmd_status "$1" || exit 1 ;;
  list)     [[ $# -eq 0 ]] || usage; cmd_list ;;
  dir)      [[ $# -eq 1 ]] || usage; set_paths "$1"; echo "$dir" ;;
  restart-apiserver) [[ $# -ge 1 && $# -le 2 ]] || usage; cmd_restart_apiserver "$@" ;;
  metrics-server) [[ $# -eq 2 ]] || usage; cmd_metrics_server "$@" ;;
  -h|--help|help) usage ;;
  *) usage ;;
esac
