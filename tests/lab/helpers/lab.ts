// The lab as the tests see it: lab.config.json, the images provisioning would build (same tag computation),
// and k8s/ rendered through the same overlay the deploy applies. Rendered once per test file.
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { labImageBuilds, type ImageBuild } from "../../../scripts/lab/lib/images.js";
import { loadLabConfig, REPO_ROOT, type LabConfig } from "../../../scripts/lab/lib/lab-config.js";
import {
  deployImageOverrides,
  K8S_DIR,
  kustomize,
  parseManifests,
  renderDeployManifests,
  type K8sObject,
} from "../../../scripts/lab/lib/manifests.js";

export interface RenderedLab {
  config: LabConfig;
  builds: ImageBuild[];
  /** Every image reference the rendered objects may use: the built refs and lab.config.json's pinned ones. */
  expectedImages: Set<string>;
  objects: K8sObject[];
}

let cached: Promise<RenderedLab> | undefined;

export function renderedLab(): Promise<RenderedLab> {
  cached ??= (async () => {
    requireTool("kubectl", "kubectl with its built-in kustomize (v1.32+; the CI image provides it)");
    const config = loadLabConfig();
    const builds = labImageBuilds(config);
    const objects = parseManifests(await renderDeployManifests(deployImageOverrides(config, builds)));
    return { config, builds, expectedImages: new Set([...builds.map((b) => b.ref), config.images.postgres]), objects };
  })();
  return cached;
}

/** k8s/ rendered as is (images without tags: the deploy pins them). */
export async function renderedBase(): Promise<K8sObject[]> {
  requireTool("kubectl", "kubectl with its built-in kustomize (v1.32+; the CI image provides it)");
  return parseManifests(await kustomize(K8S_DIR));
}

/** A deep copy to break on purpose in negative tests. */
export const copy = <T>(value: T): T => structuredClone(value);

/** Finds one object by kind and name (throws when missing, so a test cannot pass vacuously). */
export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in the rendered objects`);
  return found;
}

/**
 * Sets (or, with `undefined`, deletes; array items are spliced out) the value at a dotted path such as "spec.template.spec.containers.0.image";
 * throws when an intermediate step is missing, so a negative test cannot silently break nothing.
 */
export function setPath(target: object, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  const last = keys.pop();
  let node: unknown = target;
  for (const key of keys) {
    if (node === null || typeof node !== "object" || !(key in node)) throw new Error(`no ${dotted} (at ${key})`);
    node = (node as Record<string, unknown>)[key];
  }
  if (last === undefined || node === null || typeof node !== "object") throw new Error(`cannot set ${dotted}`);
  if (value === undefined && Array.isArray(node)) node.splice(Number(last), 1);
  else if (value === undefined) delete (node as Record<string, unknown>)[last];
  else (node as Record<string, unknown>)[last] = value;
}

/** Reads the value at a dotted path (undefined when missing). */
export function getPath(target: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((node, key) => {
    if (node === null || typeof node !== "object") return undefined;
    return (node as Record<string, unknown>)[key];
  }, target);
}

/** Fails (never skips) when a tool the static checks need is missing, naming how to install it. */
export function requireTool(command: string, install: string): void {
  const found = spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" });
  if (found.status !== 0) throw new Error(`${command} is not installed: ${install}`);
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a command (no shell) from the repository root. */
export function run(command: string, args: string[], options: SpawnSyncOptions = {}): RunResult {
  const result = spawnSync(command, args, { cwd: REPO_ROOT, encoding: "utf8", timeout: 120_000, ...options });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
