// vitest globalSetup of the integration project: one real `mlflow server` (SQLite in a temporary folder, artifact
// proxy, free port) shared by every integration test file; its URI is `inject("mlflowTrackingUri")`.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startMlflowServer } from "../../scripts/lib/mlflow-server.js";
import { ensurePythonEnv } from "../../scripts/lib/python-env.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** URI of the shared MLflow test server, e.g. http://127.0.0.1:41234. */
    mlflowTrackingUri: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await ensurePythonEnv();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "mlflow-it-"));
  const server = await startMlflowServer({ dataDir });
  process.stderr.write(`MLflow test server ${server.uri} ready in ${(server.startupMs / 1000).toFixed(1)} s\n`);
  project.provide("mlflowTrackingUri", server.uri);
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
