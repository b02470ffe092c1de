// Broken champions in a real MLflow server: the API rejects them, counts them, keeps serving the last good model and
// does not download the same broken version on every poll.
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_FEATURE_SPEC } from "../../lib/features/spec.js";
import { BUNDLE_FILES, DEFAULT_ARTIFACT_PATH } from "../../lib/model/bundle.js";
import { instrumentedFetch, sharedTrackingUri, testClient, uniqueName } from "../helpers/mlflow.js";
import {
  createTestApi,
  eventually,
  publishTrainedVersion,
  publishVersion,
  trainTestBundle,
  type TestApi,
} from "../helpers/model-registry.js";

let api: TestApi | undefined;
afterEach(() => api?.stop());

interface Health {
  status: string;
  model: { version: string } | null;
  model_refresh: {
    alias_present: boolean | null;
    last_error: { kind: string; message: string } | null;
    rejected_versions: { version: string; reason: string; failures: number; retry_at: string }[];
  };
}

async function health(app: TestApi): Promise<Health> {
  return (await request(app.app.callback()).get("/healthz")).body as Health;
}

async function metric(app: TestApi, pattern: RegExp): Promise<number> {
  const text = (await request(app.app.callback()).get("/metrics")).text;
  const match = pattern.exec(text);
  if (!match) throw new Error(`${pattern} not in /metrics`);
  return Number(match[1]);
}

/** A model with a good champion being served by a started test API (polls every 100 ms). */
async function servingGoodChampion(fetchImpl?: ReturnType<typeof instrumentedFetch>) {
  const client = testClient();
  const modelName = uniqueName("spy-direction");
  const good = await publishTrainedVersion(client, modelName, { seed: 5 });
  await client.registry.setAlias(modelName, "champion", good.version);
  api = createTestApi({
    trackingUri: sharedTrackingUri(),
    modelName,
    pollMs: 100,
    ...(fetchImpl ? { fetch: fetchImpl.fetch } : {}),
  });
  api.runtime.start();
  await eventually("the good champion served", () => api!.runtime.prediction()?.modelVersion === good.version);
  return { client, modelName, good, api };
}

async function expectStillServing(app: TestApi, version: string): Promise<void> {
  const response = await request(app.app.callback()).get("/predictionForTomorrow?threshold=0.5");
  expect(response.status).toBe(200);
  expect((response.body as { model_version: string }).model_version).toBe(version);
  expect((await request(app.app.callback()).get("/readyz")).status).toBe(200);
}

describe("a broken champion version", () => {
  it("when model.json is corrupt, then it is rejected and counted, the old model keeps serving, and it is retried with backoff until fixed", async () => {
    const recorder = instrumentedFetch();
    const { client, modelName, good, api } = await servingGoodChampion(recorder);
    const fixed = await trainTestBundle({ seed: 6 });
    const broken = await publishVersion(client, {
      modelName,
      files: { ...fixed.files, [BUNDLE_FILES.model]: '{"baseModel": {"estimators": [' },
    });
    await client.registry.setAlias(modelName, "champion", broken.version);

    await eventually("the rejection", async () => (await health(api)).model_refresh.rejected_versions.length > 0);
    await expectStillServing(api, good.version);
    const report = await health(api);
    expect(report.status).toBe("degraded");
    expect(report.model?.version).toBe(good.version);
    expect(report.model_refresh.rejected_versions[0]).toMatchObject({
      version: broken.version,
      reason: "corrupt_file",
    });
    expect(report.model_refresh.last_error).toMatchObject({
      kind: "load_failed",
      message: expect.stringMatching(/model\.json is not valid JSON/) as string,
    });
    expect(
      await metric(api, /^spy_api_model_load_failures_total\{reason="corrupt_file"\} (\d+)$/m),
    ).toBeGreaterThanOrEqual(1);

    // 20 more polls: the broken version is downloaded again only on its backoff schedule (0.2 s, 0.4 s, 0.8 s...).
    const polls = (): number => recorder.count("/registered-models/alias", "GET");
    const downloads = (): number =>
      recorder.calls.filter((c) => c.path.endsWith("/model-versions/get-artifact")).length;
    const pollsBefore = polls();
    const downloadsBefore = downloads();
    await eventually("20 more polls", () => polls() >= pollsBefore + 20, { timeoutMs: 20_000 });
    const attempts = (downloads() - downloadsBefore) / 4; // four bundle files per attempt
    expect(attempts).toBeLessThan(7); // downloading on every poll would be 20
    const failures = (await health(api)).model_refresh.rejected_versions[0]!.failures;
    expect(failures).toBeGreaterThanOrEqual(2);
    expect(await metric(api, /^spy_api_model_load_failures_total\{reason="corrupt_file"\} (\d+)$/m)).toBe(failures);
    await expectStillServing(api, good.version);

    // Fixing the artifact in place: the next retry loads it.
    await client.artifacts.upload(
      broken.artifactUri,
      `${DEFAULT_ARTIFACT_PATH}/${BUNDLE_FILES.model}`,
      fixed.files[BUNDLE_FILES.model]!,
    );
    await eventually("the fixed version served", () => api.runtime.prediction()?.modelVersion === broken.version, {
      timeoutMs: 20_000,
    });
    expect((await health(api)).model_refresh.rejected_versions).toEqual([]);
  });

  it("when the version was trained on another feature spec, then it is rejected as incompatible", async () => {
    const { client, modelName, good, api } = await servingGoodChampion();
    const other = await trainTestBundle({ seed: 7, featureSpec: { ...DEFAULT_FEATURE_SPEC, version: 2 } });
    const incompatible = await publishVersion(client, { modelName, files: other.files });
    await client.registry.setAlias(modelName, "champion", incompatible.version);
    await eventually("the rejection", async () => (await health(api)).model_refresh.rejected_versions.length > 0);
    expect((await health(api)).model_refresh.rejected_versions[0]).toMatchObject({
      version: incompatible.version,
      reason: "incompatible_spec",
    });
    expect(await metric(api, /^spy_api_model_load_failures_total\{reason="incompatible_spec"\} (\d+)$/m)).toBe(1);
    await expectStillServing(api, good.version);
  });

  it("when a bundle file is missing from the artifacts, then it is rejected as missing_file", async () => {
    const { client, modelName, good, api } = await servingGoodChampion();
    const { files } = await trainTestBundle({ seed: 8 });
    const { [BUNDLE_FILES.metadata]: _left, ...withoutMetadata } = files;
    const missing = await publishVersion(client, { modelName, files: withoutMetadata });
    await client.registry.setAlias(modelName, "champion", missing.version);
    await eventually("the rejection", async () => (await health(api)).model_refresh.rejected_versions.length > 0);
    expect((await health(api)).model_refresh.rejected_versions[0]).toMatchObject({
      version: missing.version,
      reason: "missing_file",
    });
    expect(await metric(api, /^spy_api_model_load_failures_total\{reason="missing_file"\} (\d+)$/m)).toBe(1);
    await expectStillServing(api, good.version);
  });
});

describe("the champion alias disappearing", () => {
  it("when the alias is removed, then the last model keeps serving and /healthz and /metrics say the alias is missing", async () => {
    const { client, modelName, good, api } = await servingGoodChampion();
    await client.registry.deleteAlias(modelName, "champion");
    await eventually(
      "the alias reported missing",
      async () => (await health(api)).model_refresh.alias_present === false,
    );
    await expectStillServing(api, good.version);
    const report = await health(api);
    expect(report.status).toBe("degraded");
    expect(report.model_refresh.last_error).toMatchObject({
      kind: "alias_missing",
      message: expect.stringMatching(new RegExp(`still serving version ${good.version}`)) as string,
    });
    expect(await metric(api, /^spy_api_champion_alias_present (\d+)$/m)).toBe(0);

    await client.registry.setAlias(modelName, "champion", good.version);
    await eventually("the alias back", async () => (await health(api)).status === "ok");
  });

  it("when the alias never existed, then predictions answer 503 saying so", async () => {
    const client = testClient();
    const modelName = uniqueName("spy-direction");
    await client.registry.createModel(modelName);
    api = createTestApi({ trackingUri: sharedTrackingUri(), modelName });
    await api.runtime.refreshNow();
    const response = await request(api.app.callback()).get("/predictionForTomorrow");
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({
      error: "not_ready",
      message: expect.stringMatching(/champion does not exist in MLflow.*no model to serve/) as string,
    });
    expect((await request(api.app.callback()).get("/readyz")).status).toBe(503);
  });
});
