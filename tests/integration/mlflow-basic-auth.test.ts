// A server started with `--app-name basic-auth`: right credentials work, wrong ones get a clear typed error at once.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../lib/exit-codes.js";
import { MlflowApiError, MlflowClient, mlflowConnectionFromEnv } from "../../lib/mlflow/index.js";
import { basicAuthSetup, instrumentedFetch, startTestMlflow, TEST_RETRY, type TestMlflow } from "../helpers/mlflow.js";

let authDir: string;
let test: TestMlflow;
let username: string;
let password: string;

beforeAll(async () => {
  authDir = await mkdtemp(path.join(os.tmpdir(), "mlflow-auth-"));
  const auth = await basicAuthSetup(authDir);
  ({ username, password } = auth);
  test = await startTestMlflow({ appName: "basic-auth", env: auth.env });
});

afterAll(async () => {
  await test?.cleanup();
  await rm(authDir, { recursive: true, force: true });
});

describe("basic auth against a real MLflow server", () => {
  it("when the credentials come from the environment and are right, then tracking and registry calls work", async () => {
    const connection = mlflowConnectionFromEnv({
      MLFLOW_TRACKING_URI: test.server.uri,
      MLFLOW_TRACKING_USERNAME: username,
      MLFLOW_TRACKING_PASSWORD: password,
    });
    const mlflow = new MlflowClient({ ...connection, retry: TEST_RETRY });

    const version = await mlflow.serverVersion();
    const experiment = await mlflow.experiments.getOrCreate("auth-ok");
    const run = await mlflow.runs.create({ experimentId: experiment.experiment_id! });
    await mlflow.registry.createModel("auth-model");

    expect(version).toMatch(/^3\.\d+\.\d+/);
    expect(run.info?.status).toBe("RUNNING");
    expect((await mlflow.registry.getModel("auth-model")).name).toBe("auth-model");
  });

  it("when the password is wrong, then the call fails at once with a 401 that names the variables to check", async () => {
    const recorder = instrumentedFetch();
    const mlflow = test.client({
      auth: { type: "basic", username, password: "wrong-password" },
      fetch: recorder.fetch,
      retry: { retries: 5 },
    });

    const error = await mlflow.experiments.getOrCreate("auth-denied").catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MlflowApiError);
    expect(error).toMatchObject({ status: 401, exitCode: EXIT_CODES.badConfig });
    expect((error as Error).message).toMatch(
      /^MLflow rejected the credentials \(401\) for GET \/api\/2\.0\/mlflow\/experiments\/get-by-name: check MLFLOW_TRACKING_USERNAME\/MLFLOW_TRACKING_PASSWORD$/,
    );
    expect(recorder.calls).toHaveLength(1);
  });

  it("when no credentials are sent, then the 401 says to set them, while /health still answers", async () => {
    const mlflow = test.client();
    await expect(mlflow.health()).resolves.toBeUndefined();
    const error = await mlflow.serverVersion().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 401 });
    expect((error as Error).message).toContain("MLflow requires authentication (401)");
    expect((error as Error).message).toContain("set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD");
  });
});
