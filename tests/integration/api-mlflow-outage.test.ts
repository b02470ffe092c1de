// MLflow down at start and during serving, with a private server on a fixed port: the API starts without it (not
// ready), becomes ready once it comes up, and keeps serving the loaded model when it goes down again.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import request from "supertest";
import { afterAll, describe, expect, it } from "vitest";
import { findFreePort, startMlflowServer, type MlflowServer } from "../../scripts/lib/mlflow-server.js";
import { uniqueName, TEST_RETRY } from "../helpers/mlflow.js";
import { MlflowClient } from "../../lib/mlflow/index.js";
import { createTestApi, eventually, publishTrainedVersion, type TestApi } from "../helpers/model-registry.js";

let api: TestApi | undefined;
let server: MlflowServer | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  api?.stop();
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Health {
  status: string;
  model: { version: string } | null;
  model_refresh: { last_error: { kind: string; message: string } | null };
  mlflow: { reachable: boolean | null; last_contact_at: string | null };
}

describe("MLflow outages", () => {
  it("when MLflow is down at start, then the API is not ready; when it comes up, ready; when it goes down, still serving", async () => {
    const port = await findFreePort();
    const trackingUri = `http://127.0.0.1:${port}`;
    const modelName = uniqueName("spy-direction");
    api = createTestApi({ trackingUri, modelName, pollMs: 200 });
    const app = api.app.callback();
    api.runtime.start();

    // Down at start: alive, not ready, predictions 503 with the reason, /healthz says unreachable.
    const downAtStart = await eventually("MLflow reported unreachable", async () => {
      const body = (await request(app).get("/healthz")).body as Health;
      return body.mlflow.reachable === false ? body : undefined;
    });
    expect(downAtStart).toMatchObject({ status: "not_ready", model: null });
    expect(downAtStart.model_refresh.last_error).toMatchObject({ kind: "mlflow_unreachable" });
    expect((await request(app).get("/livez")).status).toBe(200);
    expect((await request(app).get("/readyz")).status).toBe(503);
    const notReady = await request(app).get("/predictionForTomorrow");
    expect(notReady.status).toBe(503);
    expect((notReady.body as { message: string }).message).toMatch(/unreachable/);

    // MLflow comes up with a champion: the API loads it by itself.
    dataDir = await mkdtemp(path.join(os.tmpdir(), "mlflow-api-outage-"));
    server = await startMlflowServer({ dataDir, port });
    const client = new MlflowClient({ trackingUri, retry: TEST_RETRY });
    const published = await publishTrainedVersion(client, modelName, { seed: 9 });
    await client.registry.setAlias(modelName, "champion", published.version);
    await eventually("ready", async () => (await request(app).get("/readyz")).status === 200, { timeoutMs: 30_000 });
    const served = await request(app).get("/predictionForTomorrow?threshold=0.2");
    expect(served.status).toBe(200);
    expect(served.body).toMatchObject({ model_version: published.version, run_id: published.runId });

    // MLflow goes down while serving: still ready, still 200 with the same version, /healthz and /metrics say so.
    await server.stop();
    const down = await eventually("MLflow reported unreachable again", async () => {
      const body = (await request(app).get("/healthz")).body as Health;
      return body.mlflow.reachable === false ? body : undefined;
    });
    expect(down).toMatchObject({ status: "degraded", model: { version: published.version } });
    expect(down.model_refresh.last_error).toMatchObject({
      kind: "mlflow_unreachable",
      message: expect.stringMatching(new RegExp(`still serving version ${published.version}`)) as string,
    });
    expect(down.mlflow.last_contact_at).not.toBeNull();
    for (let i = 0; i < 20; i++) {
      const response = await request(app).get("/predictionForTomorrow");
      expect(response.status).toBe(200);
      expect((response.body as { model_version: string }).model_version).toBe(published.version);
    }
    expect((await request(app).get("/readyz")).status).toBe(200);
    expect((await request(app).get("/metrics")).text).toMatch(/^spy_api_mlflow_reachable 0$/m);
  });
});
