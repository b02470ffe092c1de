import { describe, expect, test } from "vitest";
import { loadLabConfig, parseLabConfig, type LabConfig } from "../../scripts/lab/lib/lab-config.js";
import { copy } from "./helpers/lab.js";
import { checkLabNetwork } from "./helpers/policies.js";

const config = loadLabConfig();

describe("lab.config.json", () => {
  test("when it is loaded, then it passes the schema (unknown keys rejected)", () => {
    expect(config.nodes.controlPlane.ip).toBe("192.168.56.20");
    expect(config.nodes.worker.ip).toBe("192.168.56.21");
    expect(config.cluster.nodePorts).toEqual({ api: 30951, mlflowUi: 30500 });
    const withTypo = { ...copy(config), boxx: {} };
    expect(() => parseLabConfig(withTypo)).toThrow(/boxx|Unrecognized/);
  });

  test("when the network is checked, then node IPs are usable host-only IPs and CIDRs are disjoint", () => {
    expect(checkLabNetwork(config)).toEqual([]);
  });

  test.each<[string, (c: LabConfig) => void, RegExp]>([
    ["an IP outside 192.168.56.0/21", (c) => (c.nodes.worker.ip = "10.0.0.10"), /outside 192\.168\.56\.0\/21/],
    ["an IP in the DHCP pool", (c) => (c.nodes.worker.ip = "192.168.56.150"), /DHCP pool/],
    ["the host's IP", (c) => (c.nodes.controlPlane.ip = "192.168.56.1"), /host's address/],
    ["duplicate IPs", (c) => (c.nodes.worker.ip = c.nodes.controlPlane.ip), /not unique/],
    ["Calico's default pool", (c) => (c.network.podCidr = "192.168.0.0/16"), /podCidr .* overlaps hostOnlyCidr/],
    ["a pod CIDR over the NAT net", (c) => (c.network.podCidr = "10.0.0.0/16"), /overlaps VirtualBox NAT/],
    [
      "overlapping pod and service CIDRs",
      (c) => (c.network.serviceCidr = "10.244.128.0/17"),
      /podCidr .* overlaps serviceCidr/,
    ],
    ["a non-canonical CIDR", (c) => (c.network.serviceCidr = "10.96.1.0/16"), /not canonical/],
  ])("when the config has %s, then the network check reports it", (_name, breakIt, expected) => {
    const broken = copy(config);
    breakIt(broken);
    expect(checkLabNetwork(broken).join("\n")).toMatch(expected);
  });

  test("when versions are read, then Kubernetes is pinned consistently (minor, exact version, deb version)", () => {
    const { kubernetesMinor, kubernetes, kubernetesDeb } = config.versions;
    expect(kubernetes.startsWith(`${kubernetesMinor}.`)).toBe(true);
    expect(kubernetesDeb.startsWith(`${kubernetes}-`)).toBe(true);
    // The kubernetes-models schemas the manifests are validated against are v1.36 (5.x).
    expect(kubernetesMinor).toBe("1.36");
    expect(config.versions.node.split(".")[0]).toBe("24");
    expect(config.images.nodeBase).toMatch(new RegExp(`:${config.versions.node.replace(/\./g, "\\.")}-`));
  });

  test("when a version is floating, then the schema rejects it", () => {
    const floating = copy(config);
    floating.images.postgres = "docker.io/library/postgres:latest";
    expect(() => parseLabConfig(floating)).toThrow(/latest/);
    const untagged = copy(config);
    untagged.images.pythonBase = "docker.io/library/python";
    expect(() => parseLabConfig(untagged)).toThrow(/pinned tag/);
    const looseK8s = copy(config);
    looseK8s.versions.kubernetes = "1.36";
    expect(() => parseLabConfig(looseK8s)).toThrow(/exact version/);
  });
});
