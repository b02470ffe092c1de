// The files provisioning writes, rendered by provision/render.sh with exactly the environment the Vagrantfile
// passes (provision/lab_env.rb), checked against lab.config.json.
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, test } from "vitest";
import { loadLabConfig } from "../../scripts/lab/lib/lab-config.js";
import { getPath, requireTool, run } from "./helpers/lab.js";

const config = loadLabConfig();
const TOKEN = "abcdef.0123456789abcdef";
const CA_HASH = `sha256:${"a".repeat(64)}`;
let env: Record<string, string>;

/** Calls a render.sh function in bash with the Vagrant environment. */
function render(fn: string, ...args: string[]): string {
  const script = 'set -euo pipefail; source provision/render.sh; "$@"';
  const result = run("bash", ["--norc", "--noprofile", "-c", script, "render", fn, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return result.stdout;
}

const docs = (text: string): Record<string, unknown>[] =>
  parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);

beforeAll(() => {
  requireTool("ruby", "apt-get install ruby");
  const result = run("ruby", [
    "-e",
    'require_relative "provision/lab_env"; require "json"; print JSON.generate(LabEnv.env(LabEnv.load("lab.config.json")))',
  ]);
  expect(result.stderr).toBe("");
  env = JSON.parse(result.stdout) as Record<string, string>;
});

describe("provision/lab_env.rb (the Vagrantfile's environment for the scripts)", () => {
  test("when the env is built, then every value comes from lab.config.json", () => {
    expect(env).toMatchObject({
      LAB_CP_NAME: config.nodes.controlPlane.name,
      LAB_CP_IP: config.nodes.controlPlane.ip,
      LAB_WORKER_NAME: config.nodes.worker.name,
      LAB_WORKER_IP: config.nodes.worker.ip,
      LAB_POD_CIDR: config.network.podCidr,
      LAB_SERVICE_CIDR: config.network.serviceCidr,
      LAB_K8S_MINOR: config.versions.kubernetesMinor,
      LAB_K8S_VERSION: config.versions.kubernetes,
      LAB_K8S_DEB: config.versions.kubernetesDeb,
      LAB_CONTAINERD_DEB: config.versions.containerdDeb,
      LAB_CALICO_VERSION: config.versions.calico,
      LAB_NODE_VERSION: config.versions.node,
      LAB_SHARED_DIR: `/vagrant/${config.paths.sharedDir}`,
      LAB_VM_KUBECONFIG: config.paths.vmKubeconfig,
      LAB_IMAGE_ARCHIVE_DIR: config.paths.imageArchiveDir,
      LAB_PV_DIRS: config.storage.volumes.map((v) => `${v.path}:${v.uid}:${v.gid}`).join(" "),
    });
    expect(Object.values(env).every((v) => typeof v === "string" && v.length > 0)).toBe(true);
  });

  test("when the shell scripts are read, then every LAB_ variable they use is one the Vagrantfile passes", async () => {
    const { readFileSync, readdirSync } = await import("node:fs");
    const used = new Set<string>();
    for (const file of readdirSync("provision").filter((f) => f.endsWith(".sh"))) {
      for (const match of readFileSync(`provision/${file}`, "utf8").matchAll(/\$\{?(LAB_[A-Z0-9_]+)/g))
        used.add(match[1]!);
    }
    const internal = new Set(["LAB_STEP", "LAB_KUBECONFIG"]);
    const unknown = [...used].filter((name) => !internal.has(name) && !(name in env));
    expect(unknown).toEqual([]);
  });
});

describe("kubeadm configuration (v1beta4)", () => {
  test("when the init config is rendered, then it pins the version, IPs, CIDRs and the lab token", () => {
    const [init, cluster, kubelet] = docs(render("render_kubeadm_init_config", TOKEN));
    expect(init).toMatchObject({
      apiVersion: "kubeadm.k8s.io/v1beta4",
      kind: "InitConfiguration",
      localAPIEndpoint: { advertiseAddress: config.nodes.controlPlane.ip, bindPort: 6443 },
      nodeRegistration: {
        name: config.nodes.controlPlane.name,
        kubeletExtraArgs: [{ name: "node-ip", value: config.nodes.controlPlane.ip }],
      },
    });
    expect(init!.bootstrapTokens).toEqual([
      expect.objectContaining({
        token: TOKEN,
        ttl: "0s",
        usages: ["signing", "authentication"],
        groups: ["system:bootstrappers:kubeadm:default-node-token"],
      }),
    ]);
    expect(cluster).toMatchObject({
      apiVersion: "kubeadm.k8s.io/v1beta4",
      kind: "ClusterConfiguration",
      kubernetesVersion: `v${config.versions.kubernetes}`,
      controlPlaneEndpoint: `${config.nodes.controlPlane.ip}:6443`,
      networking: { podSubnet: config.network.podCidr, serviceSubnet: config.network.serviceCidr },
    });
    expect(kubelet).toMatchObject({ kind: "KubeletConfiguration", cgroupDriver: "systemd" });
  });

  test("when the join config is rendered, then it uses the token, the CA hash and the worker's node-ip", () => {
    const [join] = docs(render("render_kubeadm_join_config", TOKEN, CA_HASH));
    expect(join).toMatchObject({
      apiVersion: "kubeadm.k8s.io/v1beta4",
      kind: "JoinConfiguration",
      discovery: {
        bootstrapToken: {
          apiServerEndpoint: `${config.nodes.controlPlane.ip}:6443`,
          token: TOKEN,
          caCertHashes: [CA_HASH],
        },
      },
      nodeRegistration: {
        name: config.nodes.worker.name,
        kubeletExtraArgs: [{ name: "node-ip", value: config.nodes.worker.ip }],
      },
    });
    expect(JSON.stringify(join)).not.toMatch(/unsafeSkipCAVerification/);
  });
});

describe("Calico, containerd and the node", () => {
  test("when the Calico Installation is rendered, then its pool is the pod CIDR and addresses follow node-ip", () => {
    const [installation] = docs(render("render_calico_installation"));
    expect(installation).toMatchObject({ apiVersion: "operator.tigera.io/v1", kind: "Installation" });
    expect(getPath(installation, "spec.calicoNetwork.nodeAddressAutodetectionV4")).toEqual({
      kubernetes: "NodeInternalIP",
    });
    const pools = getPath(installation, "spec.calicoNetwork.ipPools") as { cidr: string }[];
    expect(pools.map((p) => p.cidr)).toEqual([config.network.podCidr]);
  });

  test("when the Calico manifests and apt repo are rendered, then they use the pinned versions", () => {
    expect(render("calico_manifest_urls").trim().split("\n")).toEqual([
      `https://raw.githubusercontent.com/projectcalico/calico/${config.versions.calico}/manifests/operator-crds.yaml`,
      `https://raw.githubusercontent.com/projectcalico/calico/${config.versions.calico}/manifests/tigera-operator.yaml`,
    ]);
    expect(render("kubernetes_apt_repo_url").trim()).toBe(
      `https://pkgs.k8s.io/core:/stable:/v${config.versions.kubernetesMinor}/deb/`,
    );
  });

  test("when the containerd config is rendered, then it is a v3 (containerd 2.x) config with SystemdCgroup", () => {
    const toml = render("render_containerd_config");
    expect(toml).toMatch(/^version = 3$/m);
    expect(toml).toContain("[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]");
    expect(toml).toMatch(/^\s*SystemdCgroup = true$/m);
    expect(toml).not.toMatch(/disabled_plugins/);
    expect(config.versions.containerdDeb.startsWith("2.")).toBe(true);
  });

  test("when the kernel settings are rendered, then bridged traffic is filtered and forwarding is on", () => {
    expect(render("render_k8s_modules").split("\n").filter(Boolean)).toEqual(["overlay", "br_netfilter"]);
    expect(parseYaml(render("render_k8s_sysctl").replace(/ = /g, ": "))).toEqual({
      "net.bridge.bridge-nf-call-iptables": 1,
      "net.bridge.bridge-nf-call-ip6tables": 1,
      "net.ipv4.ip_forward": 1,
    });
  });
});
