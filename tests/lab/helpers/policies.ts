// Policy checkers for the lab config and the rendered objects. Each returns the list of violations (empty when
// the property holds) so a test can assert both that the real lab passes and that a deliberately broken copy
// is caught.
import { Cron } from "croner";
import type { ICronJob } from "kubernetes-models/batch/v1/CronJob";
import type { IJobSpec } from "kubernetes-models/batch/v1/JobSpec";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPersistentVolume } from "kubernetes-models/v1/PersistentVolume";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IService } from "kubernetes-models/v1/Service";
import type { LabConfig } from "../../../scripts/lab/lib/lab-config.js";
import type { K8sObject } from "../../../scripts/lab/lib/manifests.js";
import { cidrContains, cidrsOverlap, cidrWithin, ipToInt, isCanonical, parseCidr } from "./net.js";

/** VirtualBox facts (not choices): host-only range allowed on Linux/macOS hosts, its DHCP pool, the NAT net. */
export const VIRTUALBOX = {
  hostOnlyAllowed: "192.168.56.0/21",
  hostAddress: "192.168.56.1",
  dhcpPool: { first: "192.168.56.100", last: "192.168.56.254" },
  natCidr: "10.0.2.0/24",
} as const;

export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

const describe = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;

// ---------------------------------------------------------------------------------------------------------------
// Lab config

/** Node IPs inside VirtualBox's allowed host-only range, off the host and DHCP pool, unique; CIDRs disjoint. */
export function checkLabNetwork(config: LabConfig): string[] {
  const problems: string[] = [];
  const allowed = parseCidr(VIRTUALBOX.hostOnlyAllowed);
  const hostOnly = parseCidr(config.network.hostOnlyCidr);
  const nodes = Object.entries(config.nodes);
  for (const [role, node] of nodes) {
    const ip = node.ip;
    if (!cidrContains(allowed, ip)) problems.push(`${role} IP ${ip} is outside ${VIRTUALBOX.hostOnlyAllowed}`);
    if (!cidrContains(hostOnly, ip)) problems.push(`${role} IP ${ip} is outside hostOnlyCidr ${hostOnly.text}`);
    if (ip === VIRTUALBOX.hostAddress) problems.push(`${role} IP ${ip} is the host's address`);
    const value = ipToInt(ip);
    if (value >= ipToInt(VIRTUALBOX.dhcpPool.first) && value <= ipToInt(VIRTUALBOX.dhcpPool.last)) {
      problems.push(`${role} IP ${ip} is inside VirtualBox's DHCP pool`);
    }
    const low = value % 256;
    if (low === 0 || low === 255) problems.push(`${role} IP ${ip} is a network or broadcast address`);
  }
  const ips = nodes.map(([, n]) => n.ip);
  if (new Set(ips).size !== ips.length) problems.push(`node IPs are not unique: ${ips.join(", ")}`);
  const names = nodes.map(([, n]) => n.name);
  if (new Set(names).size !== names.length) problems.push(`node names are not unique: ${names.join(", ")}`);
  if (!cidrWithin(hostOnly, allowed)) problems.push(`hostOnlyCidr ${hostOnly.text} is outside ${allowed.text}`);

  const cidrs = {
    podCidr: config.network.podCidr,
    serviceCidr: config.network.serviceCidr,
    hostOnlyCidr: config.network.hostOnlyCidr,
    "VirtualBox NAT": VIRTUALBOX.natCidr,
  };
  for (const [name, text] of Object.entries(cidrs)) {
    if (!isCanonical(parseCidr(text))) problems.push(`${name} ${text} is not canonical (host bits set)`);
  }
  const entries = Object.entries(cidrs);
  entries.forEach(([a, ta], i) =>
    entries.slice(i + 1).forEach(([b, tb]) => {
      if (cidrsOverlap(parseCidr(ta), parseCidr(tb))) problems.push(`${a} ${ta} overlaps ${b} ${tb}`);
    }),
  );
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Pod templates

export interface PodTemplate {
  owner: string;
  kind: string;
  longRunning: boolean;
  labels: Record<string, string>;
  spec: IPodSpec;
  jobSpec?: IJobSpec;
}

/** Every pod template of the rendered objects (workloads and CronJobs). */
export function podTemplates(objects: K8sObject[]): PodTemplate[] {
  return objects.flatMap((o): PodTemplate[] => {
    const spec = o.spec as Record<string, unknown> | undefined;
    switch (o.kind) {
      case "Deployment":
      case "StatefulSet":
      case "DaemonSet": {
        const template = spec?.template as { metadata?: { labels?: Record<string, string> }; spec: IPodSpec };
        return [
          {
            owner: describe(o),
            kind: o.kind,
            longRunning: true,
            labels: template.metadata?.labels ?? {},
            spec: template.spec,
          },
        ];
      }
      case "CronJob":
      case "Job": {
        const jobSpec = (o.kind === "CronJob" ? (o as unknown as ICronJob).spec?.jobTemplate.spec : spec) as IJobSpec;
        return [
          {
            owner: describe(o),
            kind: o.kind,
            longRunning: false,
            labels: jobSpec.template.metadata?.labels ?? {},
            spec: jobSpec.template.spec as IPodSpec,
            jobSpec,
          },
        ];
      }
      default:
        return [];
    }
  });
}

const allContainers = (spec: IPodSpec): IContainer[] => [...(spec.initContainers ?? []), ...spec.containers];

// ---------------------------------------------------------------------------------------------------------------
// Images

/** Fully qualified, pinned, equal to what provisioning builds or lab.config.json pins; never pulled Always. */
export function checkImages(objects: K8sObject[], expectedRefs: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const pod of podTemplates(objects)) {
    for (const c of allContainers(pod.spec)) {
      const where = `${pod.owner} container ${c.name}`;
      const image = c.image ?? "";
      const name = image.slice(
        0,
        image.lastIndexOf(":") > image.lastIndexOf("/") ? image.lastIndexOf(":") : image.length,
      );
      const tag = image.length > name.length ? image.slice(name.length + 1) : "";
      if (!tag) problems.push(`${where}: image ${image} has no tag`);
      else if (tag === "latest") problems.push(`${where}: image ${image} uses :latest`);
      else if (/^\d+$/.test(tag) || /^(stable|current|lts|edge|main|master)$/.test(tag)) {
        problems.push(`${where}: image ${image} has a floating tag`);
      }
      if (!/^(localhost|[a-z0-9-]+(\.[a-z0-9-]+)+)(:\d+)?\//.test(image)) {
        problems.push(`${where}: image ${image} is not fully qualified (registry host first)`);
      }
      if (!expectedRefs.has(image)) problems.push(`${where}: image ${image} is not one provisioning builds or pins`);
      if (c.imagePullPolicy !== "IfNotPresent" && c.imagePullPolicy !== "Never") {
        problems.push(`${where}: imagePullPolicy is ${c.imagePullPolicy ?? "unset"} (must be IfNotPresent or Never)`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Probes, resources, security context

/** Long-running containers have startup, readiness and liveness probes. */
export function checkProbes(objects: K8sObject[]): string[] {
  return podTemplates(objects)
    .filter((p) => p.longRunning)
    .flatMap((p) =>
      p.spec.containers.flatMap((c) =>
        (["startupProbe", "readinessProbe", "livenessProbe"] as const)
          .filter((probe) => !c[probe])
          .map((probe) => `${p.owner} container ${c.name}: no ${probe}`),
      ),
    );
}

/** Every container (also init and job containers) requests CPU and memory and has a memory limit. */
export function checkResources(objects: K8sObject[]): string[] {
  return podTemplates(objects).flatMap((p) =>
    allContainers(p.spec).flatMap((c) => {
      const where = `${p.owner} container ${c.name}`;
      const problems: string[] = [];
      if (!c.resources?.requests?.cpu) problems.push(`${where}: no CPU request`);
      if (!c.resources?.requests?.memory) problems.push(`${where}: no memory request`);
      if (!c.resources?.limits?.memory) problems.push(`${where}: no memory limit`);
      return problems;
    }),
  );
}

const RESTRICTED_VOLUME_TYPES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);

/**
 * Pod Security "restricted" plus the lab's own rules: numeric non-root UID, no privilege escalation, all
 * capabilities dropped, RuntimeDefault seccomp, read-only root filesystem, no host namespaces or hostPath,
 * no service-account token.
 */
export function checkSecurity(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const p of podTemplates(objects)) {
    const pod = p.spec.securityContext ?? {};
    if (p.spec.hostNetwork || p.spec.hostPID || p.spec.hostIPC) problems.push(`${p.owner}: uses a host namespace`);
    if (p.spec.automountServiceAccountToken !== false) problems.push(`${p.owner}: mounts a service-account token`);
    if (pod.seccompProfile?.type !== "RuntimeDefault")
      problems.push(`${p.owner}: seccomp profile is not RuntimeDefault`);
    for (const v of p.spec.volumes ?? []) {
      const type = Object.keys(v).find((k) => k !== "name");
      if (!type || !RESTRICTED_VOLUME_TYPES.has(type)) problems.push(`${p.owner}: volume ${v.name} of type ${type}`);
    }
    for (const c of allContainers(p.spec)) {
      const where = `${p.owner} container ${c.name}`;
      const sc = c.securityContext ?? {};
      const runAsNonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
      const runAsUser = sc.runAsUser ?? pod.runAsUser;
      if (runAsNonRoot !== true) problems.push(`${where}: runAsNonRoot is not true`);
      if (typeof runAsUser !== "number" || !Number.isInteger(runAsUser) || runAsUser <= 0) {
        problems.push(`${where}: no numeric non-root runAsUser`);
      }
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
      if (sc.privileged) problems.push(`${where}: privileged`);
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: root filesystem is not read-only`);
      if (!sc.capabilities?.drop?.includes("ALL")) problems.push(`${where}: capabilities not dropped (ALL)`);
      if ((sc.capabilities?.add ?? []).length > 0) problems.push(`${where}: adds capabilities`);
    }
  }
  return problems;
}

/** Every pod and every local PV is pinned to the worker (the images exist only there). */
export function checkWorkerPinning(objects: K8sObject[], worker: string): string[] {
  const problems = podTemplates(objects)
    .filter((p) => p.spec.nodeSelector?.["kubernetes.io/hostname"] !== worker)
    .map((p) => `${p.owner}: not pinned to ${worker} (nodeSelector kubernetes.io/hostname)`);
  for (const pv of objects.filter((o) => o.kind === "PersistentVolume") as unknown as IPersistentVolume[]) {
    const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
    const pinned = terms.some((t) =>
      (t.matchExpressions ?? []).some(
        (e) =>
          e.key === "kubernetes.io/hostname" && e.operator === "In" && e.values?.length === 1 && e.values[0] === worker,
      ),
    );
    if (!pinned) problems.push(`PersistentVolume/${pv.metadata?.name}: nodeAffinity is not the worker ${worker}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// CronJobs

/**
 * The CronJob rules: schedule parses (croner) in a valid IANA timeZone, Forbid, startingDeadlineSeconds >= 300,
 * history 3/3, explicit backoffLimit and activeDeadlineSeconds, podFailurePolicy failing the job on exit code 2
 * of its container and ignoring disruptions, restartPolicy Never, no TTL.
 */
export function checkCronJobs(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const o of objects.filter((x) => x.kind === "CronJob")) {
    const cj = o as unknown as ICronJob;
    const where = describe(o);
    const spec = cj.spec;
    if (!spec) {
      problems.push(`${where}: no spec`);
      continue;
    }
    if (!spec.timeZone) problems.push(`${where}: no timeZone`);
    else if (!isIanaZone(spec.timeZone)) problems.push(`${where}: timeZone ${spec.timeZone} is not an IANA zone`);
    if (spec.schedule.includes("TZ=")) problems.push(`${where}: time zone inside schedule (unsupported)`);
    try {
      const next = new Cron(spec.schedule, { timezone: spec.timeZone, mode: "5-part", paused: true }).nextRun();
      if (!next) problems.push(`${where}: schedule ${spec.schedule} never fires`);
    } catch (error) {
      problems.push(`${where}: schedule "${spec.schedule}" does not parse: ${(error as Error).message}`);
    }
    if (spec.concurrencyPolicy !== "Forbid") problems.push(`${where}: concurrencyPolicy is not Forbid`);
    if ((spec.startingDeadlineSeconds ?? 0) < 300) problems.push(`${where}: startingDeadlineSeconds < 300`);
    if (spec.successfulJobsHistoryLimit !== 3 || spec.failedJobsHistoryLimit !== 3) {
      problems.push(`${where}: history limits are not 3/3`);
    }
    const job = spec.jobTemplate.spec;
    if (!job) {
      problems.push(`${where}: no job spec`);
      continue;
    }
    if (job.backoffLimit === undefined) problems.push(`${where}: no explicit backoffLimit`);
    if (!job.activeDeadlineSeconds) problems.push(`${where}: no activeDeadlineSeconds (SLA)`);
    if (job.ttlSecondsAfterFinished !== undefined) problems.push(`${where}: ttlSecondsAfterFinished deletes history`);
    if (job.template.spec?.restartPolicy !== "Never") problems.push(`${where}: restartPolicy is not Never`);
    const names = new Set((job.template.spec?.containers ?? []).map((c) => c.name));
    const rules = job.podFailurePolicy?.rules ?? [];
    const failJob = rules.find(
      (r) =>
        r.action === "FailJob" &&
        r.onExitCodes?.operator === "In" &&
        r.onExitCodes.values.includes(2) &&
        !r.onExitCodes.values.includes(1) &&
        names.has(r.onExitCodes.containerName ?? ""),
    );
    if (!failJob) problems.push(`${where}: no podFailurePolicy FailJob on exit code 2 of its container`);
    const ignore = rules.find(
      (r) => r.action === "Ignore" && (r.onPodConditions ?? []).some((c) => c.type === "DisruptionTarget"),
    );
    if (!ignore) problems.push(`${where}: no podFailurePolicy Ignore on DisruptionTarget`);
  }
  return problems;
}

function isIanaZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone.includes("/") || zone === "UTC";
  } catch {
    return false;
  }
}

/** The next `count` firings as New York wall-clock {weekday 0-6, minutes after midnight}. */
export function nextFirings(
  schedule: string,
  timeZone: string,
  count: number,
  from: Date,
): { day: number; minutes: number }[] {
  const runs = new Cron(schedule, { timezone: timeZone, mode: "5-part", paused: true }).nextRuns(count, from);
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: "America/New_York",
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  return runs.map((run) => {
    const parts = Object.fromEntries(format.formatToParts(run).map((p) => [p.type, p.value]));
    return { day: days.indexOf(parts.weekday ?? ""), minutes: Number(parts.hour) * 60 + Number(parts.minute) };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// References: Secrets, ConfigMaps

/** Every referenced Secret exists in the rendered objects or is generated by the deploy (with that key). */
export function checkSecretRefs(
  objects: K8sObject[],
  generated: Readonly<Record<string, readonly string[]>>,
): string[] {
  const rendered = new Map(
    objects
      .filter((o) => o.kind === "Secret")
      .map((o) => [o.metadata.name, Object.keys({ ...(o.data as object), ...(o.stringData as object) })]),
  );
  const keysOf = (name: string): readonly string[] | undefined => rendered.get(name) ?? generated[name];
  const problems: string[] = [];
  for (const p of podTemplates(objects)) {
    for (const c of allContainers(p.spec)) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (!ref) continue;
        const keys = keysOf(ref.name ?? "");
        if (!keys) problems.push(`${p.owner} env ${e.name}: Secret ${ref.name} is neither in k8s/ nor generated`);
        else if (!keys.includes(ref.key) && ref.optional !== true) {
          problems.push(`${p.owner} env ${e.name}: Secret ${ref.name} gets no key ${ref.key}`);
        }
      }
      for (const from of c.envFrom ?? []) {
        if (from.secretRef && !keysOf(from.secretRef.name ?? "") && from.secretRef.optional !== true) {
          problems.push(`${p.owner}: envFrom Secret ${from.secretRef.name} is neither in k8s/ nor generated`);
        }
      }
    }
    for (const v of p.spec.volumes ?? []) {
      if (v.secret && !keysOf(v.secret.secretName ?? "") && v.secret.optional !== true) {
        problems.push(`${p.owner} volume ${v.name}: Secret ${v.secret.secretName} is neither in k8s/ nor generated`);
      }
    }
  }
  return problems;
}

/** Every referenced ConfigMap (and key) exists in the rendered objects. */
export function checkConfigMapRefs(objects: K8sObject[]): string[] {
  const maps = new Map(
    objects.filter((o) => o.kind === "ConfigMap").map((o) => [o.metadata.name, Object.keys((o.data as object) ?? {})]),
  );
  const problems: string[] = [];
  for (const p of podTemplates(objects)) {
    for (const c of allContainers(p.spec)) {
      for (const from of c.envFrom ?? []) {
        if (from.configMapRef && !maps.has(from.configMapRef.name ?? "")) {
          problems.push(`${p.owner}: ConfigMap ${from.configMapRef.name} does not exist`);
        }
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.configMapKeyRef;
        if (ref && !maps.get(ref.name ?? "")?.includes(ref.key)) {
          problems.push(`${p.owner} env ${e.name}: ConfigMap ${ref.name} has no key ${ref.key}`);
        }
      }
    }
    for (const v of p.spec.volumes ?? []) {
      if (v.configMap && !maps.has(v.configMap.name ?? "")) {
        problems.push(`${p.owner} volume ${v.name}: ConfigMap ${v.configMap.name} does not exist`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Services, NodePorts, namespace

/** NodePorts in range and unique; the API and MLflow UI ports equal lab.config.json and reach a named port. */
export function checkNodePorts(objects: K8sObject[], config: LabConfig): string[] {
  const problems: string[] = [];
  const seen = new Map<number, string>();
  const services = objects.filter((o) => o.kind === "Service") as unknown as IService[];
  for (const svc of services) {
    for (const port of svc.spec?.ports ?? []) {
      if (port.nodePort === undefined) continue;
      const where = `Service/${svc.metadata?.name} port ${port.name ?? port.port}`;
      if (svc.spec?.type !== "NodePort")
        problems.push(`${where}: nodePort on a ${svc.spec?.type ?? "ClusterIP"} Service`);
      if (port.nodePort < NODE_PORT_RANGE.min || port.nodePort > NODE_PORT_RANGE.max) {
        problems.push(`${where}: nodePort ${port.nodePort} outside ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`);
      }
      const other = seen.get(port.nodePort);
      if (other) problems.push(`${where}: nodePort ${port.nodePort} also used by ${other}`);
      seen.set(port.nodePort, where);
    }
  }
  const expected = { api: config.cluster.nodePorts.api, mlflow: config.cluster.nodePorts.mlflowUi };
  for (const [name, nodePort] of Object.entries(expected)) {
    const svc = services.find((s) => s.metadata?.name === name);
    if (!svc?.spec?.ports?.some((p) => p.nodePort === nodePort)) {
      problems.push(`Service/${name}: does not expose nodePort ${nodePort} from lab.config.json`);
    }
  }
  const pods = podTemplates(objects);
  for (const svc of services) {
    const selector = svc.spec?.selector ?? {};
    const targets = pods.filter((p) => Object.entries(selector).every(([k, v]) => p.labels[k] === v));
    if (targets.length === 0) problems.push(`Service/${svc.metadata?.name}: selects no pod template`);
    for (const port of svc.spec?.ports ?? []) {
      const target = port.targetPort ?? port.port;
      const reachable = targets.some((t) =>
        t.spec.containers.some((c) =>
          (c.ports ?? []).some((cp) => (typeof target === "string" ? cp.name === target : cp.containerPort === target)),
        ),
      );
      if (!reachable) problems.push(`Service/${svc.metadata?.name}: targetPort ${String(target)} is no container port`);
    }
  }
  return problems;
}

/** A restricted Namespace, and every namespaced object in it. */
export function checkNamespace(objects: K8sObject[], namespace: string): string[] {
  const problems: string[] = [];
  const ns = objects.find((o) => o.kind === "Namespace");
  if (ns?.metadata.name !== namespace) problems.push(`no Namespace ${namespace}`);
  if (ns?.metadata.labels?.["pod-security.kubernetes.io/enforce"] !== "restricted") {
    problems.push(`Namespace ${namespace}: Pod Security "restricted" is not enforced`);
  }
  const clusterScoped = new Set(["Namespace", "PersistentVolume", "StorageClass"]);
  for (const o of objects.filter((x) => !clusterScoped.has(x.kind))) {
    if (o.metadata.namespace !== namespace)
      problems.push(`${describe(o)}: namespace ${o.metadata.namespace ?? "unset"}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Storage

/** The StorageClass, one PV per configured volume (path, capacity, worker), and claims bound to them by label. */
export function checkStorage(objects: K8sObject[], config: LabConfig): string[] {
  const problems: string[] = [];
  const sc = objects.find((o) => o.kind === "StorageClass");
  if (!sc || sc.provisioner !== "kubernetes.io/no-provisioner" || sc.volumeBindingMode !== "WaitForFirstConsumer") {
    problems.push("StorageClass: not a no-provisioner class with WaitForFirstConsumer");
  }
  const pvs = objects.filter((o) => o.kind === "PersistentVolume") as unknown as IPersistentVolume[];
  for (const volume of config.storage.volumes) {
    const pv = pvs.find((p) => p.metadata?.labels?.["lab.spy-mlops/volume"] === volume.name);
    if (!pv) {
      problems.push(`no PersistentVolume labelled lab.spy-mlops/volume=${volume.name}`);
      continue;
    }
    const where = `PersistentVolume/${pv.metadata?.name}`;
    if (pv.spec?.local?.path !== volume.path) problems.push(`${where}: path ${pv.spec?.local?.path} != ${volume.path}`);
    if (pv.spec?.capacity?.storage !== volume.capacity) problems.push(`${where}: capacity != ${volume.capacity}`);
    if (pv.spec?.persistentVolumeReclaimPolicy !== "Retain") problems.push(`${where}: reclaim policy is not Retain`);
    if (pv.spec?.storageClassName !== sc?.metadata.name) problems.push(`${where}: not in StorageClass lab-local`);
  }
  if (pvs.length !== config.storage.volumes.length) problems.push("PersistentVolumes do not match storage.volumes");

  for (const claim of claims(objects)) {
    const wanted = claim.spec.selector?.matchLabels?.["lab.spy-mlops/volume"];
    const matches = pvs.filter((p) => wanted !== undefined && p.metadata?.labels?.["lab.spy-mlops/volume"] === wanted);
    if (matches.length !== 1) problems.push(`${claim.owner}: selects ${matches.length} PersistentVolumes (need 1)`);
    if (claim.spec.storageClassName !== sc?.metadata.name)
      problems.push(`${claim.owner}: not in StorageClass lab-local`);
  }
  return problems;
}

interface Claim {
  owner: string;
  name: string;
  spec: NonNullable<IPersistentVolumeClaim["spec"]>;
}

function claims(objects: K8sObject[]): Claim[] {
  const standalone = (
    objects.filter((o) => o.kind === "PersistentVolumeClaim") as unknown as IPersistentVolumeClaim[]
  ).map((c) => ({
    owner: `PersistentVolumeClaim/${c.metadata?.name}`,
    name: c.metadata?.name ?? "",
    spec: c.spec ?? {},
  }));
  const templates = objects
    .filter((o) => o.kind === "StatefulSet")
    .flatMap((o) =>
      ((o.spec as { volumeClaimTemplates?: IPersistentVolumeClaim[] }).volumeClaimTemplates ?? []).map((t) => ({
        owner: `${describe(o)} claim ${t.metadata?.name}`,
        name: t.metadata?.name ?? "",
        spec: t.spec ?? {},
      })),
    );
  return [...standalone, ...templates];
}

/** Pods that mount a lab volume run with the UID/GID that owns its directory (provision/worker.sh). */
export function checkVolumeOwners(objects: K8sObject[], config: LabConfig): string[] {
  const problems: string[] = [];
  const byLabel = new Map(config.storage.volumes.map((v) => [v.name, v]));
  const allClaims = claims(objects);
  for (const p of podTemplates(objects)) {
    const claimNames = [
      ...(p.spec.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [])),
      ...(p.kind === "StatefulSet"
        ? allClaims.filter((c) => c.owner.startsWith(`${p.owner} claim`)).map((c) => c.name)
        : []),
    ];
    for (const name of claimNames) {
      const claim = allClaims.find((c) => c.name === name);
      const volume = byLabel.get(claim?.spec.selector?.matchLabels?.["lab.spy-mlops/volume"] ?? "");
      if (!volume) continue;
      const sc = p.spec.securityContext ?? {};
      if (sc.runAsUser !== volume.uid || sc.fsGroup !== volume.gid) {
        problems.push(
          `${p.owner}: mounts ${volume.name} (owned ${volume.uid}:${volume.gid}) as ${sc.runAsUser}:${sc.fsGroup}`,
        );
      }
    }
  }
  return problems;
}
