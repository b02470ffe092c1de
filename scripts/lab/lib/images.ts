// The two images the lab builds on the worker, with content-hash tags: the same inputs always give the same
// tag, any change to what goes into an image gives a new one (so a changed image always rolls out, and an
// unchanged one is never rebuilt). The tests compute the tags the same way to check the rendered manifests.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { LabConfig } from "./lab-config.js";
import { REPO_ROOT, splitImageRef } from "./lab-config.js";

export interface ImageBuild {
  /** Fully qualified name without tag, from lab.config.json (e.g. localhost/spy-mlops-lab). */
  name: string;
  /** Content hash of the build inputs. */
  tag: string;
  /** `name:tag`, the exact string in the manifests, in containerd and in the archive. */
  ref: string;
  dockerfile: string;
  contextDir: string;
  buildArgs: Record<string, string>;
}

/**
 * What the root Dockerfile copies from the build context (its COPY sources, in order). The content hash
 * covers these plus the Dockerfile, .dockerignore and build arguments; a test checks this list against the
 * Dockerfile's COPY lines, so a new COPY cannot be left out of the hash.
 */
export const APP_IMAGE_SOURCES = [
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "lib",
  "jobs",
  "api",
] as const;

const TAG_LENGTH = 16;

/** The project image (job, registry CLI, monitor, API) built from the root Dockerfile. */
export function appImageBuild(config: LabConfig, repoRoot = REPO_ROOT): ImageBuild {
  const dockerfile = path.join(repoRoot, "Dockerfile");
  const buildArgs = { NODE_IMAGE: config.images.nodeBase };
  const inputs = [
    dockerfile,
    path.join(repoRoot, ".dockerignore"),
    ...APP_IMAGE_SOURCES.map((p) => path.join(repoRoot, p)),
  ];
  return imageBuild(config.images.app, contentTag(repoRoot, inputs, buildArgs), dockerfile, repoRoot, buildArgs);
}

/** The MLflow server image (pinned MLflow + PostgreSQL driver) from provision/images/mlflow/Dockerfile. */
export function mlflowImageBuild(config: LabConfig, repoRoot = REPO_ROOT): ImageBuild {
  const contextDir = path.join(repoRoot, "provision/images/mlflow");
  const dockerfile = path.join(contextDir, "Dockerfile");
  const buildArgs = {
    PYTHON_IMAGE: config.images.pythonBase,
    MLFLOW_VERSION: config.versions.mlflow,
    PSYCOPG2_BINARY_VERSION: config.versions.psycopg2Binary,
  };
  return imageBuild(
    config.images.mlflow,
    contentTag(repoRoot, [contextDir], buildArgs),
    dockerfile,
    contextDir,
    buildArgs,
  );
}

/** Both lab-built images, MLflow first (it is needed first). */
export function labImageBuilds(config: LabConfig, repoRoot = REPO_ROOT): ImageBuild[] {
  return [mlflowImageBuild(config, repoRoot), appImageBuild(config, repoRoot)];
}

/** Where the worker keeps the image's docker-archive (re-imported if the kubelet garbage-collects the image). */
export function imageArchivePath(config: LabConfig, ref: string): string {
  const { name, tag } = splitImageRef(ref);
  return path.posix.join(config.paths.imageArchiveDir, `${path.posix.basename(name)}-${tag}.tar`);
}

/**
 * SHA-256 over every regular file under `inputs` (path relative to `baseDir` + the file's own hash, sorted)
 * and the build arguments; the first 16 hex digits.
 */
export function contentTag(baseDir: string, inputs: string[], buildArgs: Record<string, string>): string {
  const entries = inputs
    .flatMap((input) => listFiles(input))
    .map((file) => {
      const digest = createHash("sha256").update(readFileSync(file)).digest("hex");
      return `${path.relative(baseDir, file).split(path.sep).join("/")}\0${digest}`;
    })
    .sort();
  const args = Object.entries(buildArgs)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `--build-arg\0${key}=${value}`);
  return createHash("sha256")
    .update([...entries, ...args].join("\n"))
    .digest("hex")
    .slice(0, TAG_LENGTH);
}

function imageBuild(
  name: string,
  tag: string,
  dockerfile: string,
  contextDir: string,
  buildArgs: Record<string, string>,
): ImageBuild {
  return { name, tag, ref: `${name}:${tag}`, dockerfile, contextDir, buildArgs };
}

function listFiles(entry: string): string[] {
  const dirents = (() => {
    try {
      return readdirSync(entry, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOTDIR") return null;
      throw error;
    }
  })();
  if (dirents === null) return [entry];
  return dirents.flatMap((d) => {
    const full = path.join(entry, d.name);
    if (d.isDirectory()) return listFiles(full);
    return d.isFile() ? [full] : [];
  });
}
