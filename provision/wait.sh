#!/usr/bin/env bash
# Runs on every `vagrant up` of the worker (also after `vagrant halt`): waits for the nodes and the
# workloads, re-imports any lab image the kubelet garbage-collected, and prints the URLs
# (scripts/lab/wait.ts). Does nothing before the first deploy.
set -euo pipefail
LAB_STEP="wait"
# shellcheck source=provision/lib.sh
source "${LAB_REPO_DIR:-/vagrant}/provision/lib.sh"
require_env LAB_VM_REPO_DIR LAB_VM_KUBECONFIG

if [ ! -f "$LAB_VM_REPO_DIR/node_modules/.lab-lock.sha256" ] || [ ! -s "$LAB_VM_KUBECONFIG" ]; then
  log "the lab is not deployed yet: run 'vagrant provision' to finish the deploy"
  exit 0
fi
cd "$LAB_VM_REPO_DIR"
KUBECONFIG="$LAB_VM_KUBECONFIG" npx --no-install tsx scripts/lab/wait.ts
