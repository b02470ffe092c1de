#!/usr/bin/env bash
# OS preparation for both nodes (Ubuntu 24.04): swap off, kernel modules and sysctls persisted, containerd
# with the systemd cgroup driver (asserted after restart), kubeadm/kubelet/kubectl pinned and held, Node 24
# and buildah. Idempotent: a second run changes nothing that is already right.
set -euo pipefail
LAB_STEP="common"
# shellcheck source=provision/lib.sh
source "${LAB_REPO_DIR:-/vagrant}/provision/lib.sh"
# shellcheck source=provision/render.sh
source "${LAB_REPO_DIR:-/vagrant}/provision/render.sh"
require_env LAB_K8S_MINOR LAB_K8S_VERSION LAB_K8S_DEB LAB_CONTAINERD_DEB LAB_NODE_VERSION
export DEBIAN_FRONTEND=noninteractive

log "swap off, now and at boot (swap back after halt/up stops the kubelet)"
swapoff -a
sed -E -i '/^[^#].*[[:space:]]swap[[:space:]]/ s/^/#/' /etc/fstab

log "kernel modules and sysctls for Kubernetes networking (persisted)"
render_k8s_modules | write_file /etc/modules-load.d/k8s.conf 0644 || true
modprobe overlay
modprobe br_netfilter
if render_k8s_sysctl | write_file /etc/sysctl.d/k8s.conf 0644; then
  sysctl --system >/dev/null
fi

log "base packages"
ensure_packages ca-certificates curl git gpg rsync xz-utils buildah

log "time sync (skew breaks TLS and shifts CronJob firing)"
if systemctl list-unit-files systemd-timesyncd.service >/dev/null 2>&1; then
  systemctl enable --now systemd-timesyncd >/dev/null 2>&1 || log "systemd-timesyncd could not be enabled"
fi

# shellcheck source=/dev/null
codename="$(. /etc/os-release && echo "$VERSION_CODENAME")"
arch="$(dpkg --print-architecture)"
case "$LAB_CONTAINERD_DEB" in
  *"~$codename") ;;
  *) die "containerd.io $LAB_CONTAINERD_DEB is not built for Ubuntu $codename: fix versions.containerdDeb in lab.config.json" ;;
esac

log "apt repositories: Docker's (containerd.io) and pkgs.k8s.io v$LAB_K8S_MINOR"
install -d -m 0755 /etc/apt/keyrings
download_once https://download.docker.com/linux/ubuntu/gpg /etc/apt/keyrings/docker.asc
if write_file /etc/apt/sources.list.d/docker.list 0644 <<EOF; then
deb [arch=$arch signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu $codename stable
EOF
  APT_UPDATED=0
fi
k8s_repo="$(kubernetes_apt_repo_url)"
if write_file /etc/apt/sources.list.d/kubernetes.list 0644 <<EOF; then
deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] $k8s_repo /
EOF
  # A new minor: fetch its repository key again.
  rm -f /etc/apt/keyrings/kubernetes-apt-keyring.gpg
  APT_UPDATED=0
fi
if [ ! -s /etc/apt/keyrings/kubernetes-apt-keyring.gpg ]; then
  retry 5 10 curl -fsSL --connect-timeout 20 -o /tmp/kubernetes-release.key "${k8s_repo}Release.key"
  gpg --batch --yes --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg /tmp/kubernetes-release.key
  rm -f /tmp/kubernetes-release.key
fi

log "containerd.io $LAB_CONTAINERD_DEB and Kubernetes $LAB_K8S_DEB (pinned, held)"
ensure_pinned_packages "containerd.io=$LAB_CONTAINERD_DEB" \
  "kubelet=$LAB_K8S_DEB" "kubeadm=$LAB_K8S_DEB" "kubectl=$LAB_K8S_DEB"

log "containerd: CRI enabled, systemd cgroup driver"
containerd_changed=0
render_containerd_config | write_file /etc/containerd/config.toml 0644 && containerd_changed=1
render_crictl_config | write_file /etc/crictl.yaml 0644 || true
if [ "$containerd_changed" -eq 1 ] || ! systemctl is-active --quiet containerd; then
  systemctl restart containerd
fi
systemctl enable containerd >/dev/null 2>&1
wait_for "containerd socket" 60 test -S /run/containerd/containerd.sock
containerd config dump | grep -Eq '^[[:space:]]*SystemdCgroup = true' ||
  die "containerd is not using the systemd cgroup driver after restart (check /etc/containerd/config.toml)"
systemctl enable kubelet >/dev/null 2>&1

log "Node.js $LAB_NODE_VERSION (official tarball, SHA-256 checked)"
if [ "$(node --version 2>/dev/null || true)" != "v$LAB_NODE_VERSION" ]; then
  case "$(uname -m)" in
    x86_64) node_arch=x64 ;;
    aarch64) node_arch=arm64 ;;
    *) die "no Node.js build for $(uname -m)" ;;
  esac
  tarball="node-v$LAB_NODE_VERSION-linux-$node_arch.tar.xz"
  node_dir="/opt/node-v$LAB_NODE_VERSION-linux-$node_arch"
  tmp="$(mktemp -d)"
  retry 5 10 curl -fsSL --connect-timeout 20 -o "$tmp/SHASUMS256.txt" "https://nodejs.org/dist/v$LAB_NODE_VERSION/SHASUMS256.txt"
  retry 5 10 curl -fsSL --connect-timeout 20 -o "$tmp/$tarball" "https://nodejs.org/dist/v$LAB_NODE_VERSION/$tarball"
  (cd "$tmp" && grep " $tarball\$" SHASUMS256.txt | sha256sum --check --status) || die "checksum mismatch for $tarball"
  rm -rf "$node_dir"
  mkdir -p "$node_dir"
  tar -xJf "$tmp/$tarball" -C "$node_dir" --strip-components=1
  rm -rf "$tmp"
  for bin in node npm npx; do ln -sfn "$node_dir/bin/$bin" "/usr/local/bin/$bin"; done
fi

log "post-conditions"
[ -z "$(swapon --noheadings --show)" ] || die "swap is still on"
for key in net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.ipv4.ip_forward; do
  [ "$(sysctl -n "$key")" = "1" ] || die "sysctl $key is not 1"
done
[ "$(kubeadm version -o short)" = "v$LAB_K8S_VERSION" ] || die "kubeadm is not v$LAB_K8S_VERSION"
[ "$(node --version)" = "v$LAB_NODE_VERSION" ] || die "node is not v$LAB_NODE_VERSION"
buildah --version >/dev/null
log "done"
