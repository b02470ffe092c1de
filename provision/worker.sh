#!/usr/bin/env bash
# Worker: join with a v1beta4 JoinConfiguration (token + CA hash from .lab/, kubelet node-ip on the host-only
# IP), a root-only copy of the admin kubeconfig for the deploy step, and the local PV directories owned by
# the UIDs of the containers that mount them. Idempotent: join runs once.
set -euo pipefail
LAB_STEP="worker"
# shellcheck source=provision/lib.sh
source "${LAB_REPO_DIR:-/vagrant}/provision/lib.sh"
# shellcheck source=provision/render.sh
source "${LAB_REPO_DIR:-/vagrant}/provision/render.sh"
require_env LAB_SHARED_DIR LAB_CP_IP LAB_WORKER_NAME LAB_WORKER_IP LAB_VM_KUBECONFIG LAB_PV_DIRS \
  LAB_IMAGE_ARCHIVE_DIR
export LAB_KUBECONFIG="$LAB_VM_KUBECONFIG"

for file in bootstrap-token ca.hash kubeconfig; do
  [ -s "$LAB_SHARED_DIR/$file" ] ||
    die "$LAB_SHARED_DIR/$file is missing: bring the control plane up first ('vagrant up' or 'vagrant provision ${LAB_CP_NAME:-<control-plane>}')"
done
token="$(tr -d '[:space:]' <"$LAB_SHARED_DIR/bootstrap-token")"
ca_hash="$(tr -d '[:space:]' <"$LAB_SHARED_DIR/ca.hash")"
[[ "$ca_hash" =~ ^sha256:[0-9a-f]{64}$ ]] || die "$LAB_SHARED_DIR/ca.hash is not a sha256 CA hash"

log "admin kubeconfig for root processes on this node (0600)"
install -d -m 0700 "$(dirname "$LAB_VM_KUBECONFIG")"
install -m 0600 "$LAB_SHARED_DIR/kubeconfig" "$LAB_VM_KUBECONFIG"

render_kubeadm_join_config "$token" "$ca_hash" | write_file /etc/kubernetes/kubeadm-join.yaml 0600 || true

wait_for "API server at $LAB_CP_IP:6443" 300 curl -ksf "https://$LAB_CP_IP:6443/readyz"
if [ ! -f /etc/kubernetes/kubelet.conf ]; then
  log "kubeadm join"
  kubeadm join --config /etc/kubernetes/kubeadm-join.yaml
else
  log "already joined (/etc/kubernetes/kubelet.conf exists)"
fi

log "local PV directories (local volumes neither create directories nor fix ownership)"
for spec in $LAB_PV_DIRS; do
  IFS=: read -r dir uid gid <<<"$spec"
  install -d -m 0700 -o "$uid" -g "$gid" "$dir"
done
install -d -m 0700 "$LAB_IMAGE_ARCHIVE_DIR"

log "waiting for node $LAB_WORKER_NAME to be Ready"
wait_for "node $LAB_WORKER_NAME registered" 300 kubectl_as_admin get node "$LAB_WORKER_NAME"
kubectl_as_admin wait --for=condition=Ready "node/$LAB_WORKER_NAME" --timeout=600s >/dev/null

log "post-conditions"
assert_node_ip "$LAB_WORKER_NAME" "$LAB_WORKER_IP"
hostname_label="$(kubectl_as_admin get node "$LAB_WORKER_NAME" -o jsonpath='{.metadata.labels.kubernetes\.io/hostname}')"
[ "$hostname_label" = "$LAB_WORKER_NAME" ] ||
  die "node label kubernetes.io/hostname is '$hostname_label', the manifests pin pods to '$LAB_WORKER_NAME'"
log "done"
