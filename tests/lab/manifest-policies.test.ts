import { beforeAll, describe, expect, test } from "vitest";
import { inClusterTrackingUri, LAB_OBJECTS } from "../../scripts/lab/lib/lab-config.js";
import { configMapValue, type K8sObject } from "../../scripts/lab/lib/manifests.js";
import { GENERATED_SECRETS } from "../../scripts/lab/lib/secrets.js";
import { copy, find, getPath, renderedLab, setPath, type RenderedLab } from "./helpers/lab.js";
import { checkNetworkFlows } from "./helpers/network-policy.js";
import {
  checkConfigMapRefs,
  checkCronJobs,
  checkImages,
  checkNamespace,
  checkNodePorts,
  checkProbes,
  checkResources,
  checkSecretRefs,
  checkSecurity,
  checkStorage,
  checkVolumeOwners,
  checkWorkerPinning,
  nextFirings,
} from "./helpers/policies.js";

let lab: RenderedLab;
beforeAll(async () => {
  lab = await renderedLab();
});

/** Runs `check` on a broken copy of the rendered objects and returns its report as one string. */
function brokenReport(breakIt: (objects: K8sObject[]) => void, check: (objects: K8sObject[]) => string[]): string {
  const objects = copy(lab.objects);
  breakIt(objects);
  return check(objects).join("\n");
}

const api = (o: K8sObject[]): K8sObject => find(o, "Deployment", LAB_OBJECTS.api);
const mlflow = (o: K8sObject[]): K8sObject => find(o, "Deployment", LAB_OBJECTS.mlflow);
const postgres = (o: K8sObject[]): K8sObject => find(o, "StatefulSet", LAB_OBJECTS.postgres);
const training = (o: K8sObject[]): K8sObject => find(o, "CronJob", LAB_OBJECTS.trainingCronJob);

describe("images", () => {
  test("when the rendered images are checked, then each is pinned, qualified and built or pinned by the lab", () => {
    expect(checkImages(lab.objects, lab.expectedImages)).toEqual([]);
    const used = new Set(
      lab.objects.flatMap((o) => JSON.stringify(o).match(/"image":"([^"]+)"/g) ?? []).map((m) => m.slice(9, -1)),
    );
    expect([...used].sort()).toEqual([...lab.expectedImages].sort());
  });

  test.each([
    ["an untagged image", "docker.io/library/postgres", /has no tag/],
    ["a :latest image", "docker.io/library/postgres:latest", /uses :latest/],
    ["a floating major tag", "docker.io/library/postgres:17", /floating tag/],
    ["a short name", "postgres:17.11-bookworm", /not fully qualified/],
    ["a tag provisioning does not build", "localhost/spy-mlops-lab:0123456789abcdef", /not one provisioning builds/],
  ])("when a container uses %s, then the image check reports it", (_name, image, expected) => {
    const report = brokenReport(
      (o) => setPath(postgres(o), "spec.template.spec.containers.0.image", image),
      (o) => checkImages(o, lab.expectedImages),
    );
    expect(report).toMatch(expected);
  });

  test("when a container pulls Always, then the image check reports it", () => {
    const report = brokenReport(
      (o) => setPath(api(o), "spec.template.spec.containers.0.imagePullPolicy", "Always"),
      (o) => checkImages(o, lab.expectedImages),
    );
    expect(report).toMatch(/imagePullPolicy is Always/);
  });
});

describe("long-running containers: probes, resources, non-root", () => {
  test("when the workloads are checked, then every long-running container has the three probes", () => {
    expect(checkProbes(lab.objects)).toEqual([]);
    expect(
      brokenReport((o) => setPath(mlflow(o), "spec.template.spec.containers.0.livenessProbe", undefined), checkProbes),
    ).toMatch(/Deployment\/mlflow container mlflow: no livenessProbe/);
  });

  test("when the workloads are checked, then every container has requests and a memory limit", () => {
    expect(checkResources(lab.objects)).toEqual([]);
    expect(
      brokenReport(
        (o) => setPath(mlflow(o), "spec.template.spec.initContainers.0.resources.limits", undefined),
        checkResources,
      ),
    ).toMatch(/db-upgrade: no memory limit/);
  });

  test("when the pods are checked, then they meet Pod Security restricted and the lab's hardening", () => {
    expect(checkSecurity(lab.objects)).toEqual([]);
  });

  test.each<[string, (o: K8sObject[]) => void, RegExp]>([
    ["runs as root", (o) => setPath(api(o), "spec.template.spec.securityContext.runAsUser", 0), /no numeric non-root/],
    [
      "allows privilege escalation",
      (o) =>
        setPath(
          training(o),
          "spec.jobTemplate.spec.template.spec.containers.0.securityContext.allowPrivilegeEscalation",
          true,
        ),
      /allowPrivilegeEscalation/,
    ],
    [
      "keeps capabilities",
      (o) => setPath(postgres(o), "spec.template.spec.containers.0.securityContext.capabilities.drop", []),
      /capabilities not dropped/,
    ],
    [
      "has a writable root filesystem",
      (o) => setPath(mlflow(o), "spec.template.spec.containers.0.securityContext.readOnlyRootFilesystem", false),
      /root filesystem is not read-only/,
    ],
    [
      "has no seccomp profile",
      (o) => setPath(api(o), "spec.template.spec.securityContext.seccompProfile", undefined),
      /seccomp/,
    ],
    [
      "mounts a hostPath",
      (o) => setPath(api(o), "spec.template.spec.volumes.0", { name: "tmp", hostPath: { path: "/tmp" } }),
      /volume tmp of type hostPath/,
    ],
  ])("when a pod %s, then the security check reports it", (_name, breakIt, expected) => {
    expect(brokenReport(breakIt, checkSecurity)).toMatch(expected);
  });

  test("when the pods and volumes are checked, then all are pinned to the worker", () => {
    const worker = lab.config.nodes.worker.name;
    expect(checkWorkerPinning(lab.objects, worker)).toEqual([]);
    expect(
      brokenReport(
        (o) => setPath(api(o), "spec.template.spec.nodeSelector", undefined),
        (o) => checkWorkerPinning(o, worker),
      ),
    ).toMatch(/Deployment\/api: not pinned/);
  });
});

describe("CronJobs", () => {
  test("when the CronJobs are checked, then they follow the scheduling rules", () => {
    expect(checkCronJobs(lab.objects)).toEqual([]);
  });

  test.each<[string, (o: K8sObject[]) => void, RegExp]>([
    ["an unparsable schedule", (o) => setPath(training(o), "spec.schedule", "61 17 * * 1-5"), /does not parse/],
    ["no time zone", (o) => setPath(training(o), "spec.timeZone", undefined), /no timeZone/],
    ["a bogus time zone", (o) => setPath(training(o), "spec.timeZone", "Mars/Olympus"), /not an IANA zone/],
    ["concurrent runs", (o) => setPath(training(o), "spec.concurrencyPolicy", "Allow"), /Forbid/],
    ["a short starting deadline", (o) => setPath(training(o), "spec.startingDeadlineSeconds", 30), /startingDeadline/],
    ["history 3/1", (o) => setPath(training(o), "spec.failedJobsHistoryLimit", 1), /history limits/],
    ["no SLA", (o) => setPath(training(o), "spec.jobTemplate.spec.activeDeadlineSeconds", undefined), /SLA/],
    [
      "OnFailure restarts",
      (o) => setPath(training(o), "spec.jobTemplate.spec.template.spec.restartPolicy", "OnFailure"),
      /restartPolicy is not Never/,
    ],
    [
      "a failure policy on another container",
      (o) => setPath(training(o), "spec.jobTemplate.spec.podFailurePolicy.rules.0.onExitCodes.containerName", "trian"),
      /FailJob on exit code 2/,
    ],
    [
      "no disruption rule",
      (o) => setPath(training(o), "spec.jobTemplate.spec.podFailurePolicy.rules.1", undefined),
      /DisruptionTarget/,
    ],
  ])("when the training CronJob has %s, then the CronJob check reports it", (_name, breakIt, expected) => {
    expect(brokenReport(breakIt, checkCronJobs)).toMatch(expected);
  });

  test("when the training schedule is evaluated, then it fires on weekdays after the 16:00 New York close", () => {
    const cj = training(lab.objects);
    const schedule = getPath(cj, "spec.schedule") as string;
    const timeZone = getPath(cj, "spec.timeZone") as string;
    expect(timeZone).toBe("America/New_York");
    // Across both DST changes of a year.
    for (const from of [new Date("2026-03-02T00:00:00Z"), new Date("2026-10-26T00:00:00Z")]) {
      const firings = nextFirings(schedule, timeZone, 15, from);
      expect(firings).toHaveLength(15);
      for (const f of firings) {
        expect(f.day).toBeGreaterThanOrEqual(1);
        expect(f.day).toBeLessThanOrEqual(5);
        expect(f.minutes).toBeGreaterThan(16 * 60);
      }
    }
  });

  test("when the training job's exit codes are mapped, then only 2 (bad config) fails the job at once", () => {
    const rules = getPath(training(lab.objects), "spec.jobTemplate.spec.podFailurePolicy.rules") as {
      action: string;
      onExitCodes?: { containerName: string; values: number[] };
    }[];
    expect(rules.find((r) => r.action === "FailJob")?.onExitCodes).toEqual({
      containerName: LAB_OBJECTS.trainingContainer,
      operator: "In",
      values: [2],
    });
    expect(getPath(training(lab.objects), "spec.jobTemplate.spec.template.spec.containers.0.name")).toBe(
      LAB_OBJECTS.trainingContainer,
    );
  });
});

describe("references, services, namespace, storage, network", () => {
  test("when Secret references are checked, then each Secret is generated by the deploy with that key", () => {
    expect(checkSecretRefs(lab.objects, GENERATED_SECRETS)).toEqual([]);
    expect(
      brokenReport(
        (o) => setPath(mlflow(o), "spec.template.spec.containers.0.env.0.valueFrom.secretKeyRef.name", "mlflow-dbb"),
        (o) => checkSecretRefs(o, GENERATED_SECRETS),
      ),
    ).toMatch(/Secret mlflow-dbb is neither in k8s\/ nor generated/);
    expect(
      brokenReport(
        (o) => setPath(postgres(o), "spec.template.spec.containers.0.env.1.valueFrom.secretKeyRef.key", "PASSWORD"),
        (o) => checkSecretRefs(o, GENERATED_SECRETS),
      ),
    ).toMatch(/gets no key PASSWORD/);
  });

  test("when no Secret is in the manifests, then nothing secret is committed", () => {
    expect(lab.objects.filter((o) => o.kind === "Secret")).toEqual([]);
  });

  test("when ConfigMap references are checked, then each exists", () => {
    expect(checkConfigMapRefs(lab.objects)).toEqual([]);
    expect(
      brokenReport(
        (o) => setPath(api(o), "spec.template.spec.containers.0.envFrom.0.configMapRef.name", "settings"),
        checkConfigMapRefs,
      ),
    ).toMatch(/ConfigMap settings does not exist/);
  });

  test("when the Services are checked, then NodePorts are in range, unique and those of lab.config.json", () => {
    expect(checkNodePorts(lab.objects, lab.config)).toEqual([]);
    expect(
      brokenReport(
        (o) => setPath(find(o, "Service", "mlflow"), "spec.ports.0.nodePort", lab.config.cluster.nodePorts.api),
        (o) => checkNodePorts(o, lab.config),
      ),
    ).toMatch(/nodePort 30951 also used/);
    expect(
      brokenReport(
        (o) => setPath(find(o, "Service", "api"), "spec.ports.0.nodePort", 8080),
        (o) => checkNodePorts(o, lab.config),
      ),
    ).toMatch(/outside 30000-32767/);
    expect(
      brokenReport(
        (o) => setPath(find(o, "Service", "api"), "spec.ports.0.targetPort", "htp"),
        (o) => checkNodePorts(o, lab.config),
      ),
    ).toMatch(/targetPort htp is no container port/);
  });

  test("when the namespace is checked, then it enforces restricted and holds every namespaced object", () => {
    const ns = lab.config.cluster.namespace;
    expect(checkNamespace(lab.objects, ns)).toEqual([]);
    const relaxed = copy(lab.objects);
    const namespace = find(relaxed, "Namespace", ns);
    namespace.metadata.labels = { ...namespace.metadata.labels, "pod-security.kubernetes.io/enforce": "baseline" };
    expect(checkNamespace(relaxed, ns).join("\n")).toMatch(/not enforced/);
    const elsewhere = copy(lab.objects);
    setPath(find(elsewhere, "CronJob", LAB_OBJECTS.trainingCronJob), "metadata.namespace", "default");
    expect(checkNamespace(elsewhere, ns).join("\n")).toMatch(/CronJob\/training: namespace default/);
  });

  test("when storage is checked, then each configured volume is a worker-local PV bound by label", () => {
    expect(checkStorage(lab.objects, lab.config)).toEqual([]);
    expect(
      brokenReport(
        (o) => setPath(find(o, "PersistentVolume", "spy-mlops-postgres-data"), "spec.local.path", "/tmp/pg"),
        (o) => checkStorage(o, lab.config),
      ),
    ).toMatch(/path \/tmp\/pg/);
    expect(
      brokenReport(
        (o) => setPath(find(o, "PersistentVolumeClaim", "mlflow-artifacts"), "spec.selector", undefined),
        (o) => checkStorage(o, lab.config),
      ),
    ).toMatch(/selects 0 PersistentVolumes/);
  });

  test("when volume owners are checked, then pods run as the UID/GID that owns their volume directory", () => {
    expect(checkVolumeOwners(lab.objects, lab.config)).toEqual([]);
    expect(
      brokenReport(
        (o) => setPath(mlflow(o), "spec.template.spec.securityContext.runAsUser", 1000),
        (o) => checkVolumeOwners(o, lab.config),
      ),
    ).toMatch(/mounts mlflow-artifacts \(owned 1001:1001\) as 1000:1001/);
  });

  test("when the NetworkPolicies are evaluated, then needed flows pass and the others are denied", () => {
    expect(checkNetworkFlows(lab.objects, lab.config)).toEqual([]);
  });

  test.each<[string, (o: K8sObject[]) => void, RegExp]>([
    [
      "no DNS rule",
      (o) => o.splice(o.indexOf(find(o, "NetworkPolicy", "allow-dns-egress")), 1),
      /needed flow is blocked: api -> kube-dns:53\/UDP/,
    ],
    [
      "internet egress into the cluster",
      (o) => setPath(find(o, "NetworkPolicy", "internet-https-egress"), "spec.egress.0.to.0.ipBlock.except", []),
      /must be blocked: training -> the kubernetes Service:443/,
    ],
    ["no default deny", (o) => o.splice(o.indexOf(find(o, "NetworkPolicy", "default-deny-all")), 1), /no default-deny/],
    [
      "Postgres open to every pod",
      (o) => setPath(find(o, "NetworkPolicy", "postgres-ingress"), "spec.ingress.0.from", undefined),
      /must be blocked: the host \(NodePort\) -> postgres:5432/,
    ],
  ])("when the policies have %s, then the flow check reports it", (_name, breakIt, expected) => {
    expect(brokenReport(breakIt, (o) => checkNetworkFlows(o, lab.config))).toMatch(expected);
  });
});

describe("the lab's workloads", () => {
  test("when the API Deployment is read, then it rolls out with zero unavailability behind a PDB and NodePort", () => {
    const deployment = api(lab.objects);
    expect(getPath(deployment, "spec.replicas")).toBe(2);
    expect(getPath(deployment, "spec.strategy")).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    const container = getPath(deployment, "spec.template.spec.containers.0") as Record<string, unknown>;
    expect(getPath(container, "readinessProbe.httpGet.path")).toBe("/readyz");
    expect(getPath(container, "livenessProbe.httpGet.path")).toBe("/livez");
    expect(getPath(container, "startupProbe.httpGet.path")).toBe("/livez");
    expect(getPath(container, "lifecycle.preStop.sleep.seconds")).toBeGreaterThan(0);
    expect(getPath(container, "ports.0.containerPort")).toBe(lab.config.cluster.nodePorts.api);
    expect(getPath(container, "command")).toEqual(["node", "dist/api/server.js"]);
    const env = getPath(container, "env") as { name: string; value?: string }[];
    expect(env.find((e) => e.name === "API_PORT")?.value).toBe(String(lab.config.cluster.nodePorts.api));
    const heapMb = Number(
      /--max-old-space-size=(\d+)/.exec(env.find((e) => e.name === "NODE_OPTIONS")?.value ?? "")?.[1],
    );
    const limitMb = Number(/^(\d+)Mi$/.exec(getPath(container, "resources.limits.memory") as string)?.[1]);
    expect(heapMb).toBeGreaterThan(0);
    expect(heapMb).toBeLessThanOrEqual(limitMb * 0.8);
    const pdb = find(lab.objects, "PodDisruptionBudget", "api");
    expect(getPath(pdb, "spec.maxUnavailable")).toBe(1);
    expect(getPath(pdb, "spec.selector.matchLabels")).toEqual(getPath(deployment, "spec.selector.matchLabels"));
  });

  test("when the MLflow Deployment is read, then it proxies artifacts, upgrades the DB and allows only lab hosts", () => {
    const deployment = mlflow(lab.objects);
    expect(getPath(deployment, "spec.strategy.type")).toBe("Recreate");
    expect(getPath(deployment, "spec.replicas")).toBe(1);
    const args = getPath(deployment, "spec.template.spec.containers.0.args") as string[];
    expect(args).toContain("--artifacts-destination=/mlflow/artifacts");
    expect(args.some((a) => a.startsWith("--default-artifact-root"))).toBe(false);
    expect(args.some((a) => a.includes("postgresql"))).toBe(false);
    const hosts = (args.find((a) => a.startsWith("--allowed-hosts="))?.split("=")[1] ?? "").split(",");
    const ns = lab.config.cluster.namespace;
    const names = [
      "mlflow",
      `mlflow.${ns}`,
      `mlflow.${ns}.svc`,
      `mlflow.${ns}.svc.cluster.local`,
      "localhost",
      "127.0.0.1",
    ];
    for (const host of [...names, lab.config.nodes.controlPlane.ip, lab.config.nodes.worker.ip]) {
      expect(hosts).toContain(host);
      expect(hosts).toContain(`${host}:*`);
    }
    expect(hosts).not.toContain("*");
    expect(getPath(deployment, "spec.template.spec.initContainers.0.args")).toEqual([
      "db",
      "upgrade",
      "$(MLFLOW_BACKEND_STORE_URI)",
    ]);
    expect(getPath(deployment, "spec.template.spec.containers.0.readinessProbe.httpGet.path")).toBe("/health");
  });

  test("when the settings are read, then the tracking URI is the MLflow Service of the lab's namespace", () => {
    expect(configMapValue(lab.objects, LAB_OBJECTS.settingsConfigMap, "MLFLOW_TRACKING_URI")).toBe(
      inClusterTrackingUri(lab.config),
    );
    expect(configMapValue(lab.objects, LAB_OBJECTS.settingsConfigMap, "MODEL_ALIAS")).toBe("champion");
  });

  test("when PostgreSQL is read, then its data lives in a subdirectory of the volume", () => {
    const container = getPath(postgres(lab.objects), "spec.template.spec.containers.0") as Record<string, unknown>;
    const env = getPath(container, "env") as { name: string; value?: string }[];
    const mount = (getPath(container, "volumeMounts") as { name: string; mountPath: string }[]).find(
      (m) => m.name === "data",
    );
    const pgdata = env.find((e) => e.name === "PGDATA")?.value ?? "";
    expect(mount).toBeDefined();
    expect(pgdata.startsWith(`${mount?.mountPath}/`)).toBe(true);
  });
});
