// Images without a registry, on the worker: buildah builds from a VM-local copy of the repository, exports a
// docker-archive under the fully qualified content-hash name, and `ctr -n k8s.io images import` makes it
// visible to the kubelet (the CRI only sees the k8s.io namespace). The archive is kept so an image the
// kubelet garbage-collects can be re-imported without a rebuild.
import { existsSync } from "node:fs";
import { readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { $, echo, expBackoff, retry } from "zx";
import type { ImageBuild } from "./images.js";
import { imageArchivePath } from "./images.js";
import type { LabConfig } from "./lab-config.js";

/** Whether the kubelet's runtime has the image (exact name and tag). */
export async function imagePresent(ref: string): Promise<boolean> {
  return (await $({ nothrow: true, quiet: true })`crictl inspecti ${ref}`).exitCode === 0;
}

/** Imports the image's archive into containerd's k8s.io namespace and checks the kubelet sees it. */
export async function importArchive(ref: string, archive: string): Promise<void> {
  await $({ quiet: true })`ctr -n k8s.io images import ${archive}`;
  if (!(await imagePresent(ref))) {
    throw new Error(`${archive} was imported but crictl does not see ${ref} (name normalisation?)`);
  }
}

/** Makes `build.ref` available to the kubelet: already there, re-import the archive, or build + export + import. */
export async function ensureImage(config: LabConfig, build: ImageBuild): Promise<"present" | "imported" | "built"> {
  if (await imagePresent(build.ref)) return "present";
  const archive = imageArchivePath(config, build.ref);
  if (existsSync(archive)) {
    await importArchive(build.ref, archive);
    return "imported";
  }
  const buildArgs = Object.entries(build.buildArgs).flatMap(([key, value]) => ["--build-arg", `${key}=${value}`]);
  // Metadata only, outside the content hash: the commit the deploy runs from (see the root Dockerfile).
  const commit = process.env.LAB_GIT_COMMIT ?? "";
  if (/^[0-9a-f]{40}$/.test(commit)) buildArgs.push("--build-arg", `GIT_COMMIT=${commit}`);
  echo(`building ${build.ref} (buildah; first build downloads the base image and dependencies)`);
  // Network steps (base image pull, npm ci, pip install) are the only ones retried.
  await retry(
    3,
    expBackoff("60s", "10s"),
    () =>
      $({
        verbose: true,
      })`buildah build --isolation chroot --layers -f ${build.dockerfile} -t ${build.ref} ${buildArgs} ${build.contextDir}`,
  );
  const partial = `${archive}.part`;
  await rm(partial, { force: true });
  await $({ quiet: true })`buildah push ${build.ref} ${`docker-archive:${partial}:${build.ref}`}`;
  await rename(partial, archive);
  await importArchive(build.ref, archive);
  await removeStaleArchives(config, build, archive);
  return "built";
}

/** Keeps only the current archive of an image (older tags are never needed again). */
async function removeStaleArchives(config: LabConfig, build: ImageBuild, keep: string): Promise<void> {
  const dir = config.paths.imageArchiveDir;
  const base = path.posix.basename(build.name).replace(/[.]/g, "\\.");
  const sameImage = new RegExp(`^${base}-[0-9a-f]+\\.tar$`);
  for (const file of await readdir(dir)) {
    const full = path.posix.join(dir, file);
    if (sameImage.test(file) && full !== keep) await rm(full, { force: true });
  }
}
