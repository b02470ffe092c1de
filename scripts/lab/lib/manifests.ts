// Rendering k8s/ the way the deploy applies it: a temporary kustomize overlay that pins every image
// (content-hash tags of the images built on the worker, the Postgres tag from lab.config.json).
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments, stringify } from "yaml";
import type { ImageBuild } from "./images.js";
import type { LabConfig } from "./lab-config.js";
import { REPO_ROOT, splitImageRef } from "./lab-config.js";

const execFileAsync = promisify(execFile);

export const K8S_DIR = path.join(REPO_ROOT, "k8s");

/** A rendered Kubernetes object (the tests narrow it further). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface ImageOverride {
  name: string;
  newTag: string;
}

/** Every image the deploy pins: the lab-built ones by content hash, Postgres by its lab.config.json tag. */
export function deployImageOverrides(config: LabConfig, builds: ImageBuild[]): ImageOverride[] {
  const postgres = splitImageRef(config.images.postgres);
  return [...builds.map((b) => ({ name: b.name, newTag: b.tag })), { name: postgres.name, newTag: postgres.tag }];
}

/** The overlay's kustomization.yaml: the lab (k8s/, by relative path, as kustomize requires) + pinned images. */
export function renderOverlayKustomization(overlayDir: string, k8sDir: string, images: ImageOverride[]): string {
  return stringify(
    {
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: [path.relative(overlayDir, k8sDir).split(path.sep).join("/")],
      images,
    },
    { version: "1.1" },
  );
}

/** `kubectl kustomize DIR` (kubectl's built-in kustomize; no cluster needed). */
export async function kustomize(dir: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync("kubectl", ["kustomize", dir], { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(`kubectl kustomize ${dir} failed: ${detail}`, { cause: error });
  }
}

/** Renders the lab exactly as the deploy applies it. */
export async function renderDeployManifests(images: ImageOverride[], k8sDir = K8S_DIR): Promise<string> {
  const overlayDir = await mkdtemp(path.join(os.tmpdir(), "spy-mlops-overlay-"));
  try {
    await writeFile(
      path.join(overlayDir, "kustomization.yaml"),
      renderOverlayKustomization(overlayDir, k8sDir, images),
    );
    return await kustomize(overlayDir);
  } finally {
    await rm(overlayDir, { recursive: true, force: true });
  }
}

/** Splits a multi-document YAML stream into objects (empty documents dropped); throws on YAML errors. */
export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return [];
    if (!isK8sObject(value)) throw new Error(`not a Kubernetes object: ${JSON.stringify(value).slice(0, 120)}`);
    return [value];
  });
}

function isK8sObject(value: unknown): value is K8sObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const { apiVersion, kind, metadata } = value as Record<string, unknown>;
  return (
    typeof apiVersion === "string" &&
    typeof kind === "string" &&
    typeof metadata === "object" &&
    metadata !== null &&
    typeof (metadata as Record<string, unknown>).name === "string"
  );
}

/** The value of one key of a rendered ConfigMap. */
export function configMapValue(objects: K8sObject[], name: string, key: string): string {
  const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === name);
  const data = cm?.data as Record<string, string> | undefined;
  const value = data?.[key];
  if (value === undefined) throw new Error(`ConfigMap ${name} has no key ${key}`);
  return value;
}
