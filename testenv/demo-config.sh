#!/usr/bin/env bash
# Writes the demo's clusters.yaml and auth.yaml into a cluster's state dir ($1):
# dev sign-in as a member of `periscope-admins`, tier mode, reaching the cluster through
# the impersonate-only bridge identity, so even the demo runs the way production does.
set -euo pipefail
dir="$1"
cat > "$dir/demo-clusters.yaml" <<YAML
clusters:
  - name: demo
    backend: kubeconfig
    kubeconfigPath: $dir/bridge.kubeconfig
    environment: local
    tags: {purpose: demo}
YAML
cat > "$dir/demo-auth.yaml" <<'YAML'
dev:
  subject: demo@local
  email: demo@local
  groups: [periscope-admins]
authorization:
  mode: tier
  groupTiers:
    periscope-admins: admin
YAML
