// The client against a server that crashes and comes back: retries within the budget, never on a 4xx.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MlflowClient,
  MlflowUnavailableError,
  fromKeyValues,
  isNotFound,
  joinArtifactUri,
} from "../../lib/mlflow/index.js";
import {
  findFreePort,
  groupAlive,
  isPortFree,
  startMlflowServer,
  type MlflowServer,
} from "../../scripts/lib/mlflow-server.js";
import { instrumentedFetch, startTestMlflow, type TestMlflow } from "../helpers/mlflow.js";

/** Enough retries to cover a restart (~10-20 s on 2 busy cores): about 28 s of waiting on average. */
const RESTART_BUDGET = { retries: 30, baseDelayMs: 200, maxDelayMs: 2_000 };

let test: TestMlflow;
let server: MlflowServer;

beforeAll(async () => {
  test = await startTestMlflow();
  server = test.server;
});

afterAll(async () => {
  await server?.stop();
  await test?.cleanup();
});

describe("retries against a real MLflow server", () => {
  it("when the server is killed and restarted on the same port during a call sequence, then every call succeeds", async () => {
    const recorder = instrumentedFetch();
    const mlflow = new MlflowClient({
      trackingUri: server.uri,
      fetch: recorder.fetch,
      retry: RESTART_BUDGET,
      timeoutMs: 15_000,
    });
    const { experiment_id: experimentId } = await mlflow.experiments.getOrCreate("resilience");
    const run = await mlflow.runs.create({ experimentId: experimentId! });
    const runId = run.info!.run_id!;
    const artifactUri = run.info!.artifact_uri!;
    await mlflow.runs.logBatch(runId, {
      params: { phase: "before-crash" },
      metrics: [{ key: "loss", value: 1, step: 0 }],
    });
    await mlflow.registry.createModel("spy-resilience");
    const port = server.port;

    await server.kill();
    expect(groupAlive(server.pid)).toBe(false);
    const restarting = startMlflowServer({ dataDir: test.dataDir, port });

    // Every call below starts while nothing listens on the port.
    const second = await mlflow.runs.create({ experimentId: experimentId!, runName: "created-while-down" });
    const fetched = await mlflow.runs.get(runId);
    await mlflow.runs.logBatch(runId, { metrics: [{ key: "loss", value: 0.5, step: 1 }] });
    await mlflow.artifacts.upload(artifactUri, "model/model.json", '{"trees":3}');
    const version = await mlflow.registry.createVersion({
      name: "spy-resilience",
      source: joinArtifactUri(artifactUri, "model"),
      runId,
    });
    await mlflow.registry.setAlias("spy-resilience", "champion", version.version!);
    const champion = await mlflow.registry.getVersionByAlias("spy-resilience", "champion");
    const modelFile = await mlflow.registry.downloadVersionArtifact("spy-resilience", version.version!, "model.json");
    await mlflow.runs.update(runId, { status: "FINISHED", endTime: Date.now() });
    server = await restarting;

    expect(server.port).toBe(port);
    expect(recorder.calls.some((call) => call.outcome === "ECONNREFUSED")).toBe(true);
    expect(fromKeyValues(fetched.data?.params)).toEqual({ phase: "before-crash" });
    expect((await mlflow.runs.getMetricHistory(runId, "loss")).map((point) => point.value)).toEqual([1, 0.5]);
    expect(champion.version).toBe(version.version);
    expect(new TextDecoder().decode(modelFile)).toBe('{"trees":3}');
    expect((await mlflow.runs.get(runId)).info?.status).toBe("FINISHED");
    const runs = await mlflow.runs.searchAll({ experimentIds: [experimentId!] });
    expect(runs.map((r) => r.info?.run_id).sort()).toEqual([runId, second.info!.run_id].sort());
  });

  it("when a call gets a 4xx, then it fails at once even with a large retry budget", async () => {
    const recorder = instrumentedFetch();
    const mlflow = new MlflowClient({ trackingUri: server.uri, fetch: recorder.fetch, retry: RESTART_BUDGET });

    const missingRun = await mlflow.runs.get("0".repeat(32)).catch((caught: unknown) => caught);
    const badKey = await mlflow.runs
      .logBatch("0".repeat(32), { params: { "bad key!": 1 } })
      .catch((caught: unknown) => caught);

    expect(isNotFound(missingRun)).toBe(true);
    expect(badKey).toMatchObject({ status: 400 });
    expect(recorder.calls.map((call) => call.outcome)).toEqual([404, 400]);
  });

  it("when nothing listens at the URI, then the call fails after the budget with an error naming the URI", async () => {
    const port = await findFreePort();
    const uri = `http://127.0.0.1:${port}`;
    const recorder = instrumentedFetch();
    const mlflow = new MlflowClient({
      trackingUri: uri,
      fetch: recorder.fetch,
      retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 20 },
    });

    const error = await mlflow.runs.create({ experimentId: "0" }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MlflowUnavailableError);
    expect((error as Error).message).toContain(`MLflow at ${uri} is unreachable`);
    expect((error as Error).message).toContain("ECONNREFUSED");
    expect(recorder.calls.map((call) => call.outcome)).toEqual(["ECONNREFUSED", "ECONNREFUSED", "ECONNREFUSED"]);
  });

  it("when the server is stopped, then none of its processes is left and the port is free", async () => {
    const { pid, port, host } = server;
    await server.stop();
    expect(groupAlive(pid)).toBe(false);
    expect(await isPortFree(host, port)).toBe(true);
  });
});
