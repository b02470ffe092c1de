# frozen_string_literal: true

# Reads lab.config.json (the one lab config) for the Vagrantfile and turns it into the LAB_* environment
# variables that every provision/*.sh script takes. The tests call LabEnv.env too, so the shell scripts are
# checked with exactly the values Vagrant passes them.
require "json"

module LabEnv
  # Where the repository is mounted inside the VMs (Vagrant's default synced folder).
  GUEST_REPO_DIR = "/vagrant"

  def self.load(path)
    JSON.parse(File.read(path))
  end

  # A flat Hash of String => String, as Vagrant's shell provisioner `env:` option expects.
  def self.env(cfg)
    cp = cfg.fetch("nodes").fetch("controlPlane")
    worker = cfg.fetch("nodes").fetch("worker")
    versions = cfg.fetch("versions")
    network = cfg.fetch("network")
    paths = cfg.fetch("paths")
    volumes = cfg.fetch("storage").fetch("volumes").map do |v|
      "#{v.fetch('path')}:#{v.fetch('uid')}:#{v.fetch('gid')}"
    end
    {
      "LAB_NAME" => cfg.fetch("name"),
      "LAB_REPO_DIR" => GUEST_REPO_DIR,
      "LAB_SHARED_DIR" => "#{GUEST_REPO_DIR}/#{paths.fetch('sharedDir')}",
      "LAB_VM_REPO_DIR" => paths.fetch("vmRepoDir"),
      "LAB_VM_KUBECONFIG" => paths.fetch("vmKubeconfig"),
      "LAB_IMAGE_ARCHIVE_DIR" => paths.fetch("imageArchiveDir"),
      "LAB_CP_NAME" => cp.fetch("name"),
      "LAB_CP_IP" => cp.fetch("ip"),
      "LAB_WORKER_NAME" => worker.fetch("name"),
      "LAB_WORKER_IP" => worker.fetch("ip"),
      "LAB_POD_CIDR" => network.fetch("podCidr"),
      "LAB_SERVICE_CIDR" => network.fetch("serviceCidr"),
      "LAB_K8S_MINOR" => versions.fetch("kubernetesMinor"),
      "LAB_K8S_VERSION" => versions.fetch("kubernetes"),
      "LAB_K8S_DEB" => versions.fetch("kubernetesDeb"),
      "LAB_CONTAINERD_DEB" => versions.fetch("containerdDeb"),
      "LAB_CALICO_VERSION" => versions.fetch("calico"),
      "LAB_NODE_VERSION" => versions.fetch("node"),
      "LAB_PV_DIRS" => volumes.join(" ")
    }
  end
end
