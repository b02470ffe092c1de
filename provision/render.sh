#!/usr/bin/env bash
# Renderers for every config file the provisioning writes. Each prints the file to stdout from the LAB_*
# variables (provision/lab_env.rb), so the tests render exactly what the VMs get and check it against
# lab.config.json. Sourced; no side effects.

# containerd 2.x (config version 3): the CRI runtime with the systemd cgroup driver. Written whole instead of
# `containerd config default | sed` (the key moved in 2.x, so a blind sed silently does nothing), and replaces
# the containerd.io package's file, which disables the CRI plugin.
render_containerd_config() {
  cat <<'EOF'
# Written by provision/common.sh (spy-mlops-lab). containerd 2.x, config version 3.
version = 3

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
  runtime_type = 'io.containerd.runc.v2'

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  SystemdCgroup = true
EOF
}

render_crictl_config() {
  cat <<'EOF'
runtime-endpoint: unix:///run/containerd/containerd.sock
image-endpoint: unix:///run/containerd/containerd.sock
timeout: 10
EOF
}

render_k8s_modules() {
  printf '%s\n' overlay br_netfilter
}

render_k8s_sysctl() {
  cat <<'EOF'
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward = 1
EOF
}

# render_kubeadm_init_config TOKEN
# kubeadm v1beta4: advertise address and kubelet node-ip on the host-only IP (never the NAT 10.0.2.15), a
# lab-scoped bootstrap token that never expires (the worker can be re-created days later), pinned version.
render_kubeadm_init_config() {
  local token="$1"
  cat <<EOF
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
  - token: "${token}"
    description: "${LAB_NAME} worker join (lab only)"
    ttl: 0s
    usages:
      - signing
      - authentication
    groups:
      - system:bootstrappers:kubeadm:default-node-token
localAPIEndpoint:
  advertiseAddress: ${LAB_CP_IP}
  bindPort: 6443
nodeRegistration:
  name: ${LAB_CP_NAME}
  criSocket: unix:///run/containerd/containerd.sock
  kubeletExtraArgs:
    - name: node-ip
      value: ${LAB_CP_IP}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
clusterName: ${LAB_NAME}
kubernetesVersion: v${LAB_K8S_VERSION}
controlPlaneEndpoint: ${LAB_CP_IP}:6443
apiServer:
  certSANs:
    - ${LAB_CP_IP}
networking:
  podSubnet: ${LAB_POD_CIDR}
  serviceSubnet: ${LAB_SERVICE_CIDR}
  dnsDomain: cluster.local
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
EOF
}

# render_kubeadm_join_config TOKEN CA_HASH
render_kubeadm_join_config() {
  local token="$1" ca_hash="$2"
  cat <<EOF
apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: ${LAB_CP_IP}:6443
    token: "${token}"
    caCertHashes:
      - "${ca_hash}"
nodeRegistration:
  name: ${LAB_WORKER_NAME}
  criSocket: unix:///run/containerd/containerd.sock
  kubeletExtraArgs:
    - name: node-ip
      value: ${LAB_WORKER_IP}
EOF
}

# Calico through the Tigera operator: the pool is the pod CIDR (never Calico's default 192.168.0.0/16, which
# holds the host-only network) and node addresses follow the kubelet's node-ip (NodeInternalIP) instead of
# `firstFound`, which picks VirtualBox's NAT address on every node.
render_calico_installation() {
  cat <<EOF
apiVersion: operator.tigera.io/v1
kind: Installation
metadata:
  name: default
spec:
  calicoNetwork:
    nodeAddressAutodetectionV4:
      kubernetes: NodeInternalIP
    ipPools:
      - name: default-ipv4-ippool
        cidr: ${LAB_POD_CIDR}
        blockSize: 26
        encapsulation: VXLANCrossSubnet
        natOutgoing: Enabled
        nodeSelector: all()
EOF
}

# The two Calico manifests of the pinned release (CRDs first, then the operator).
calico_manifest_urls() {
  local base="https://raw.githubusercontent.com/projectcalico/calico/${LAB_CALICO_VERSION}/manifests"
  printf '%s\n' "$base/operator-crds.yaml" "$base/tigera-operator.yaml"
}

# The pkgs.k8s.io apt repository of the pinned minor.
kubernetes_apt_repo_url() {
  printf 'https://pkgs.k8s.io/core:/stable:/v%s/deb/\n' "${LAB_K8S_MINOR}"
}
