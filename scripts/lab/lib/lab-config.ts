// The one lab config (lab.config.json), validated, plus the names of the Kubernetes objects the lab scripts
// work with. Read by the deploy script, the day-2 scripts and the tests; the Vagrantfile reads the same file
// through provision/lab_env.rb.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigError } from "../../../lib/config.js";

/** Root of the repository (this file is scripts/lab/lib/lab-config.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const LAB_CONFIG_FILE = path.join(REPO_ROOT, "lab.config.json");

const ipv4 = z.ipv4();
const cidr = z.cidrv4();
const nodeSpec = z.strictObject({
  name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a DNS label (it becomes the node name)"),
  ip: ipv4,
  cpus: z.number().int().min(2),
  memoryMb: z.number().int().min(1700),
});
const exactVersion = z.string().regex(/^\d+\.\d+\.\d+$/, "an exact version X.Y.Z");
/** A fully qualified image reference with an explicit, non-floating tag (registry/path:tag). */
const pinnedImage = z
  .string()
  .regex(/^[a-z0-9.-]+\.[a-z]+\/[a-z0-9._/-]+:[A-Za-z0-9._-]+$/, "a fully qualified image with a pinned tag")
  .refine((ref) => !ref.endsWith(":latest"), "never :latest");
/** A fully qualified image name without tag (the tag is the content hash computed at build time). */
const builtImageName = z.string().regex(/^localhost\/[a-z0-9._/-]+$/, "localhost/<name>, without tag");

export const labConfigSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]+$/),
  box: z.strictObject({ name: z.string().min(1), version: z.string().regex(/^\d+\.\d+\.\d+$/) }),
  nodes: z.strictObject({ controlPlane: nodeSpec, worker: nodeSpec }),
  network: z.strictObject({ hostOnlyCidr: cidr, podCidr: cidr, serviceCidr: cidr }),
  versions: z.strictObject({
    kubernetesMinor: z.string().regex(/^1\.\d+$/),
    kubernetes: exactVersion,
    kubernetesDeb: z.string().regex(/^\d+\.\d+\.\d+-\d+\.\d+$/, "a pkgs.k8s.io deb version X.Y.Z-A.B"),
    containerdDeb: z.string().regex(/^2\.\d+\.\d+-\d+(~[a-z0-9.~]+)?$/, "a containerd.io 2.x deb version"),
    calico: z.string().regex(/^v\d+\.\d+\.\d+$/),
    node: exactVersion,
    mlflow: exactVersion,
    psycopg2Binary: exactVersion,
  }),
  images: z.strictObject({
    app: builtImageName,
    mlflow: builtImageName,
    nodeBase: pinnedImage,
    pythonBase: pinnedImage,
    postgres: pinnedImage,
  }),
  cluster: z.strictObject({
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
    nodePorts: z.strictObject({ api: z.number().int(), mlflowUi: z.number().int() }),
  }),
  storage: z.strictObject({
    volumes: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z0-9-]+$/),
          path: z.string().regex(/^\/[^\s:]+$/, "an absolute path without spaces or colons"),
          uid: z.number().int().positive(),
          gid: z.number().int().positive(),
          capacity: z.string().regex(/^\d+[MG]i$/),
        }),
      )
      .min(1),
  }),
  paths: z.strictObject({
    sharedDir: z.string().min(1),
    vmRepoDir: z.string().startsWith("/"),
    vmKubeconfig: z.string().startsWith("/"),
    imageArchiveDir: z.string().startsWith("/"),
  }),
});

export type LabConfig = z.infer<typeof labConfigSchema>;

/** Parses and validates a lab config; throws a ConfigError listing every problem. */
export function parseLabConfig(raw: unknown, source = "lab.config.json"): LabConfig {
  const result = labConfigSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new ConfigError(`invalid ${source}:\n${lines.join("\n")}`);
  }
  return result.data;
}

export function loadLabConfig(file = LAB_CONFIG_FILE): LabConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseLabConfig(raw, path.basename(file));
}

/** Names of the lab's Kubernetes objects (k8s/base); the tests check the manifests use exactly these. */
export const LAB_OBJECTS = {
  postgres: "postgres",
  mlflow: "mlflow",
  api: "api",
  trainingCronJob: "training",
  trainingContainer: "train",
  monitorCronJob: "monitor",
  settingsConfigMap: "lab-settings",
  initialTrainingJob: "training-initial",
} as const;

/** Port of the MLflow Service inside the cluster (the UI NodePort maps to it). */
export const MLFLOW_SERVICE_PORT = 5000;

/** URLs of the lab as seen from the host (and from inside the VMs): NodePorts on the worker's IP. */
export function labUrls(config: LabConfig): { api: string; mlflow: string; prediction: string } {
  const ip = config.nodes.worker.ip;
  const api = `http://${ip}:${config.cluster.nodePorts.api}`;
  return {
    api,
    mlflow: `http://${ip}:${config.cluster.nodePorts.mlflowUi}`,
    prediction: `${api}/predictionForTomorrow`,
  };
}

/** The in-cluster tracking URI (the ConfigMap lab-settings must hold exactly this). */
export function inClusterTrackingUri(config: LabConfig): string {
  return `http://${LAB_OBJECTS.mlflow}.${config.cluster.namespace}.svc.cluster.local:${MLFLOW_SERVICE_PORT}`;
}

/** Splits `registry/path:tag` into name and tag. */
export function splitImageRef(ref: string): { name: string; tag: string } {
  const colon = ref.lastIndexOf(":");
  if (colon <= ref.lastIndexOf("/")) throw new ConfigError(`image ${ref} has no tag`);
  return { name: ref.slice(0, colon), tag: ref.slice(colon + 1) };
}
