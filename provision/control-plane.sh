#!/usr/bin/env bash
# Control plane: kubeadm init from a v1beta4 config file, a lab bootstrap token and the CA hash shared with
# the worker through the git-ignored .lab/ folder, kubeconfig for the vagrant user only (and .lab/ for the
# host), Calico through the Tigera operator. Idempotent: init runs once; later runs re-check and re-assert.
set -euo pipefail
LAB_STEP="control-plane"
# shellcheck source=provision/lib.sh
source "${LAB_REPO_DIR:-/vagrant}/provision/lib.sh"
# shellcheck source=provision/render.sh
source "${LAB_REPO_DIR:-/vagrant}/provision/render.sh"
require_env LAB_NAME LAB_SHARED_DIR LAB_CP_NAME LAB_CP_IP LAB_POD_CIDR LAB_SERVICE_CIDR LAB_K8S_VERSION \
  LAB_CALICO_VERSION
export LAB_KUBECONFIG=/etc/kubernetes/admin.conf
umask 077

log "lab bootstrap token (generated once, shared through $LAB_SHARED_DIR)"
install -d -m 0700 "$LAB_SHARED_DIR"
token_file="$LAB_SHARED_DIR/bootstrap-token"
if [ ! -s "$token_file" ]; then
  kubeadm token generate >"$token_file"
  chmod 0600 "$token_file"
fi
token="$(tr -d '[:space:]' <"$token_file")"
[[ "$token" =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]] || die "$token_file does not hold a bootstrap token; delete it and run 'vagrant provision'"

render_kubeadm_init_config "$token" | write_file /etc/kubernetes/kubeadm-init.yaml 0600 || true

if [ ! -f /etc/kubernetes/admin.conf ]; then
  log "pulling control-plane images for Kubernetes v$LAB_K8S_VERSION"
  retry 3 15 kubeadm config images pull --config /etc/kubernetes/kubeadm-init.yaml
  log "kubeadm init"
  kubeadm init --config /etc/kubernetes/kubeadm-init.yaml --skip-token-print
else
  log "cluster already initialised (/etc/kubernetes/admin.conf exists)"
fi
wait_for "API server" 300 kubectl_as_admin get --raw /readyz

log "bootstrap token present in the cluster"
token_id="${token%%.*}"
if ! kubectl_as_admin -n kube-system get secret "bootstrap-token-$token_id" >/dev/null 2>&1; then
  kubeadm token create "$token" --ttl 0 --description "$LAB_NAME worker join (lab only)" \
    --kubeconfig /etc/kubernetes/admin.conf >/dev/null
fi

log "CA certificate hash for the worker's join discovery"
ca_hash="sha256:$(openssl x509 -pubkey -noout -in /etc/kubernetes/pki/ca.crt |
  openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)"
printf '%s\n' "$ca_hash" | write_file "$LAB_SHARED_DIR/ca.hash" 0600 || true

log "kubeconfig: vagrant user only (0600), and .lab/kubeconfig for kubectl on the host"
install -d -o vagrant -g vagrant -m 0700 /home/vagrant/.kube
install -o vagrant -g vagrant -m 0600 /etc/kubernetes/admin.conf /home/vagrant/.kube/config
install -m 0600 /etc/kubernetes/admin.conf "$LAB_SHARED_DIR/kubeconfig"

log "Calico $LAB_CALICO_VERSION (Tigera operator)"
calico_dir="/var/lib/lab/calico/$LAB_CALICO_VERSION"
while read -r url; do
  file="$calico_dir/$(basename "$url")"
  download_once "$url" "$file"
  kubectl_as_admin apply --server-side --force-conflicts -f "$file" >/dev/null
done < <(calico_manifest_urls)
# Wait for the operator's CRDs before creating the Installation (applying both at once races).
wait_for "CRD installations.operator.tigera.io" 300 kubectl_as_admin get crd installations.operator.tigera.io
kubectl_as_admin wait --for=condition=Established crd/installations.operator.tigera.io --timeout=120s >/dev/null
render_calico_installation | kubectl_as_admin apply --server-side -f - >/dev/null

log "waiting for node $LAB_CP_NAME to be Ready (CNI up)"
kubectl_as_admin wait --for=condition=Ready "node/$LAB_CP_NAME" --timeout=600s >/dev/null

log "post-conditions"
assert_node_ip "$LAB_CP_NAME" "$LAB_CP_IP"
[ -s "$LAB_SHARED_DIR/ca.hash" ] || die "CA hash was not written to $LAB_SHARED_DIR"
log "done"
