// A small evaluator of Kubernetes NetworkPolicy semantics (podSelector, namespaceSelector, ipBlock with
// except, ports, policyTypes; a pod selected by no policy of a direction is open in that direction), used to
// check the flows the lab needs and the ones it must not allow, from the rendered policies.
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer";
import type { INetworkPolicyPort } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort";
import type { LabConfig } from "../../../scripts/lab/lib/lab-config.js";
import type { K8sObject } from "../../../scripts/lab/lib/manifests.js";
import { cidrContains, parseCidr } from "./net.js";
import { podTemplates } from "./policies.js";

export type Endpoint =
  | { kind: "pod"; name: string; namespace: string; labels: Record<string, string>; ip: string }
  | { kind: "ip"; name: string; ip: string };

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

function selects(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    const value = labels[e.key];
    switch (e.operator) {
      case "In":
        return value !== undefined && (e.values ?? []).includes(value);
      case "NotIn":
        return value === undefined || !(e.values ?? []).includes(value);
      case "Exists":
        return value !== undefined;
      case "DoesNotExist":
        return value === undefined;
      default:
        return false;
    }
  });
  return byLabels && byExpressions;
}

const namespaceLabels = (namespace: string): Record<string, string> => ({ "kubernetes.io/metadata.name": namespace });

function peerMatches(peer: INetworkPolicyPeer, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) {
    const cidr = parseCidr(peer.ipBlock.cidr);
    return (
      cidrContains(cidr, other.ip) && !(peer.ipBlock.except ?? []).some((e) => cidrContains(parseCidr(e), other.ip))
    );
  }
  if (other.kind !== "pod") return false;
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabels(other.namespace))
    : other.namespace === policyNamespace;
  return namespaceOk && selects(peer.podSelector, other.labels);
}

function portMatches(ports: INetworkPolicyPort[] | undefined, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? "TCP") !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port !== "number") return false;
    return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
  });
}

/** Whether `from` may open a connection to `to` on port/protocol under the given policies. */
export function flowAllowed(
  policies: INetworkPolicy[],
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol = "TCP",
): boolean {
  const applying = (endpoint: Endpoint, type: "Ingress" | "Egress"): INetworkPolicy[] =>
    endpoint.kind !== "pod"
      ? []
      : policies.filter(
          (p) =>
            p.metadata?.namespace === endpoint.namespace &&
            selects(p.spec?.podSelector, endpoint.labels) &&
            (p.spec?.policyTypes ?? ["Ingress"]).includes(type),
        );
  const egress = applying(from, "Egress");
  const egressOk =
    egress.length === 0 ||
    egress.some((p) =>
      (p.spec?.egress ?? []).some(
        (rule) =>
          ((rule.to ?? []).length === 0 ||
            (rule.to ?? []).some((peer) => peerMatches(peer, p.metadata?.namespace ?? "", to))) &&
          portMatches(rule.ports, port, protocol),
      ),
    );
  const ingress = applying(to, "Ingress");
  const ingressOk =
    ingress.length === 0 ||
    ingress.some((p) =>
      (p.spec?.ingress ?? []).some(
        (rule) =>
          ((rule.from ?? []).length === 0 ||
            (rule.from ?? []).some((peer) => peerMatches(peer, p.metadata?.namespace ?? "", from))) &&
          portMatches(rule.ports, port, protocol),
      ),
    );
  return egressOk && ingressOk;
}

/** The flows the lab needs, and flows it must refuse, checked against the rendered NetworkPolicies. */
export function checkNetworkFlows(objects: K8sObject[], config: LabConfig): string[] {
  const policies = objects.filter((o) => o.kind === "NetworkPolicy") as unknown as INetworkPolicy[];
  const ns = config.cluster.namespace;
  let podIndex = 10;
  const pod = (name: string): Endpoint => {
    const template = podTemplates(objects).find((p) => p.labels["app.kubernetes.io/name"] === name);
    if (!template) throw new Error(`no pod template app.kubernetes.io/name=${name}`);
    return { kind: "pod", name, namespace: ns, labels: template.labels, ip: `10.244.1.${podIndex++}` };
  };
  const [api, mlflow, postgres, training, monitor] = ["api", "mlflow", "postgres", "training", "monitor"].map(pod) as [
    Endpoint,
    Endpoint,
    Endpoint,
    Endpoint,
    Endpoint,
  ];
  const dns: Endpoint = {
    kind: "pod",
    name: "kube-dns",
    namespace: "kube-system",
    labels: { "k8s-app": "kube-dns" },
    ip: "10.244.0.10",
  };
  const host: Endpoint = { kind: "ip", name: "the host (NodePort)", ip: "192.168.56.1" };
  const node: Endpoint = { kind: "ip", name: "a node (SNATed NodePort)", ip: config.nodes.worker.ip };
  const internet: Endpoint = { kind: "ip", name: "the internet (Yahoo)", ip: "203.0.113.10" };
  const apiServer: Endpoint = { kind: "ip", name: "the kubernetes Service", ip: firstServiceIp(config) };
  const otherPod: Endpoint = { kind: "ip", name: "a pod of another namespace", ip: "10.244.2.7" };
  const mlflowPort = 5000;
  const apiPort = config.cluster.nodePorts.api;

  const must: [Endpoint, Endpoint, number, string?][] = [
    ...[api, mlflow, postgres, training, monitor].flatMap((p): [Endpoint, Endpoint, number, string][] => [
      [p, dns, 53, "UDP"],
      [p, dns, 53, "TCP"],
    ]),
    [api, mlflow, mlflowPort],
    [training, mlflow, mlflowPort],
    [monitor, mlflow, mlflowPort],
    [mlflow, postgres, 5432],
    [host, api, apiPort],
    [node, api, apiPort],
    [host, mlflow, mlflowPort],
    [training, internet, 443],
    [api, internet, 443],
    [monitor, internet, 443],
  ];
  const mustNot: [Endpoint, Endpoint, number, string?][] = [
    [api, postgres, 5432],
    [training, postgres, 5432],
    [monitor, postgres, 5432],
    [host, postgres, 5432],
    [api, mlflow, 5432],
    [postgres, internet, 443],
    [mlflow, internet, 443],
    [training, internet, 80],
    [training, apiServer, 443],
    [api, apiServer, 443],
    [training, otherPod, 443],
    [host, training, 8080],
    [api, api, apiPort + 1],
  ];
  const label = (f: Endpoint, t: Endpoint, port: number, protocol = "TCP"): string =>
    `${f.name} -> ${t.name}:${port}/${protocol}`;
  const problems: string[] = [];
  if (!policies.some((p) => isDefaultDeny(p)))
    problems.push("no default-deny NetworkPolicy (all pods, both directions)");
  for (const [f, t, port, protocol] of must) {
    if (!flowAllowed(policies, f, t, port, protocol))
      problems.push(`needed flow is blocked: ${label(f, t, port, protocol)}`);
  }
  for (const [f, t, port, protocol] of mustNot) {
    if (flowAllowed(policies, f, t, port, protocol))
      problems.push(`flow must be blocked: ${label(f, t, port, protocol)}`);
  }
  return problems;
}

function isDefaultDeny(p: INetworkPolicy): boolean {
  const selector = p.spec?.podSelector;
  const all = !selector?.matchLabels && !selector?.matchExpressions;
  const types = p.spec?.policyTypes ?? [];
  return all && types.includes("Ingress") && types.includes("Egress") && !p.spec?.ingress && !p.spec?.egress;
}

function firstServiceIp(config: LabConfig): string {
  const [a, b, c] = config.network.serviceCidr.split("/")[0]?.split(".") ?? [];
  return `${a}.${b}.${c}.1`;
}
