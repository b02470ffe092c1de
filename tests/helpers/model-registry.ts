// Registered model versions for API tests and the API benchmark, made without the training job: a small forest
// trained on the 2-year SPY file, bundled with createBundleFiles, uploaded under a run's `model/` artifacts and
// registered with source = artifact_uri + "/model" and the run id, as the job registers them.
// Also: the API app wired to a tracking URI for tests (createTestApi) and a polling wait (eventually).
// No vitest import here: scripts/bench/api.ts uses these helpers too.
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type Koa from "koa";
import { createApp } from "../../api/app.js";
import type { ApiState } from "../../api/context.js";
import { createApiMetrics, type ApiMetrics } from "../../api/metrics.js";
import { ServingRuntime } from "../../api/serving.js";
import { loadEnv } from "../../lib/config.js";
import { buildDataset, type Dataset } from "../../lib/dataset/build.js";
import { DEFAULT_FEATURE_SPEC, type FeatureSpec } from "../../lib/features/spec.js";
import { createLogger } from "../../lib/log.js";
import { cleanBars } from "../../lib/market/clean.js";
import { parseBarsCsv } from "../../lib/market/csv-source.js";
import { createMarketDataSource, marketEnvSchema } from "../../lib/market/source-config.js";
import { joinArtifactUri, MlflowClient, type FetchLike } from "../../lib/mlflow/index.js";
import { createBundleFiles, DEFAULT_ARTIFACT_PATH } from "../../lib/model/bundle.js";
import { trainForest } from "../../lib/model/train.js";
import { spy2yCsv } from "./data.js";

let dataset: Dataset | undefined;

/** The dataset of the 2-year SPY file (features by DEFAULT_FEATURE_SPEC), built once per process. */
export function testDataset(): Dataset {
  if (!dataset) {
    const file = spy2yCsv();
    dataset = buildDataset(cleanBars(parseBarsCsv(readFileSync(file, "utf8"), file)).bars, DEFAULT_FEATURE_SPEC);
  }
  return dataset;
}

export interface TestBundle {
  /** The bundle files (MLmodel, model.json, feature_spec.json, metadata.json). */
  files: Record<string, string>;
  /** P(UP) the forest gives the last bar of the 2-year file: what the API must answer as `confidence`. */
  latestProbability: number;
  /** Date of that bar. */
  asOf: string;
}

export interface TestBundleOptions {
  /** Different seeds give different forests (default 1). */
  seed?: number;
  /** Trees (default 15). */
  trees?: number;
  /** The spec written into the bundle (default DEFAULT_FEATURE_SPEC; another version makes it incompatible). */
  featureSpec?: FeatureSpec;
  runId?: string;
}

/** A valid model bundle of a small forest trained on the 2-year file. */
export async function trainTestBundle(options: TestBundleOptions = {}): Promise<TestBundle> {
  const data = testDataset();
  const trained = await trainForest(data.X, data.y, {
    nEstimators: options.trees ?? 15,
    maxDepth: 5,
    minSamplesLeaf: 5,
    seed: options.seed ?? 1,
    threads: 1,
  });
  const files = createBundleFiles({
    trained,
    featureSpec: options.featureSpec ?? DEFAULT_FEATURE_SPEC,
    training: {
      asOf: data.latest.date,
      firstDate: data.dates[0]!,
      lastDate: data.dates.at(-1)!,
      rows: data.X.length,
      datasetDigest: data.lineage.digest,
    },
    smokeRow: data.latest.features,
    runId: options.runId ?? "0".repeat(32),
    codeVersion: "test",
  });
  const [latestProbability] = trained.forest.predictUpProbability([data.latest.features]);
  return { files, latestProbability: latestProbability!, asOf: data.latest.date };
}

type BundleUpload = Record<string, string | Uint8Array>;

export interface PublishOptions {
  /** Registered model name (created if missing). */
  modelName: string;
  /** Files to upload under the run's `model/` directory, or a function of the new run's id that makes them. */
  files: BundleUpload | ((runId: string) => Promise<BundleUpload>);
  /** Experiment for the run (default "api-tests"). */
  experimentName?: string;
}

export interface PublishedVersion {
  version: string;
  runId: string;
  /** The run's artifact root, e.g. `mlflow-artifacts:/1/<run>/artifacts`. */
  artifactUri: string;
}

/**
 * Uploads `files` as a run's `model/` artifacts and registers them as a new version of `modelName`
 * (source = artifact_uri + "/model", with the run id), as the training job does. Does not move any alias.
 */
export async function publishVersion(client: MlflowClient, options: PublishOptions): Promise<PublishedVersion> {
  const experiment = await client.experiments.getOrCreate(options.experimentName ?? "api-tests");
  const run = await client.runs.create({ experimentId: experiment.experiment_id!, runName: "api-test-model" });
  const runId = run.info!.run_id!;
  const artifactUri = run.info!.artifact_uri!;
  const files = typeof options.files === "function" ? await options.files(runId) : options.files;
  for (const [name, content] of Object.entries(files)) {
    await client.artifacts.upload(artifactUri, `${DEFAULT_ARTIFACT_PATH}/${name}`, content);
  }
  await client.runs.update(runId, { status: "FINISHED", endTime: Date.now() });
  await client.registry.createModel(options.modelName);
  const created = await client.registry.createVersion({
    name: options.modelName,
    source: joinArtifactUri(artifactUri, DEFAULT_ARTIFACT_PATH),
    runId,
  });
  return { version: created.version!, runId, artifactUri };
}

/** Trains a bundle (with the run id of its own run) and publishes it: a servable version. */
export async function publishTrainedVersion(
  client: MlflowClient,
  modelName: string,
  options: TestBundleOptions = {},
): Promise<PublishedVersion & { bundle: TestBundle }> {
  let bundle: TestBundle | undefined;
  const published = await publishVersion(client, {
    modelName,
    files: async (runId) => {
      bundle = await trainTestBundle({ ...options, runId });
      return bundle.files;
    },
  });
  return { ...published, bundle: bundle! };
}

// --- Serving registered models in tests: the API app with its runtime, wired as api/server.ts wires them. ---

export interface TestApiOptions {
  trackingUri: string;
  modelName: string;
  /** Alias poll interval (default 200 ms). */
  pollMs?: number;
  /** The spec the serving code computes (default DEFAULT_FEATURE_SPEC). */
  codeSpec?: FeatureSpec;
  /** Records or alters the API's calls to MLflow. */
  fetch?: FetchLike;
  corsOrigins?: string[];
}

export interface TestApi {
  app: Koa<ApiState>;
  runtime: ServingRuntime;
  metrics: ApiMetrics;
  /** Stops polling and refreshing. */
  stop(): void;
}

/**
 * The API app and its runtime (not started: call `runtime.start()` or `runtime.refreshNow()`), with market data
 * from the 2-year SPY file and an MLflow client without retries (each poll is one attempt).
 */
export function createTestApi(options: TestApiOptions): TestApi {
  const logger = createLogger("api-test");
  const client = new MlflowClient({
    trackingUri: options.trackingUri,
    retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 },
    timeoutMs: 5_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const metrics = createApiMetrics({ processMetrics: false });
  const runtime = new ServingRuntime({
    registry: client.registry,
    trackingUri: client.trackingUri,
    modelName: options.modelName,
    modelAlias: "champion",
    championPollMs: options.pollMs ?? 200,
    marketSource: createMarketDataSource(loadEnv(marketEnvSchema, { MARKET_DATA_FILE: spy2yCsv() })),
    dataRefreshMs: 60_000,
    logger,
    codeSpec: options.codeSpec,
    events: metrics,
  });
  const app = createApp({ serving: runtime, metrics, logger, corsOrigins: options.corsOrigins });
  return { app, runtime, metrics, stop: () => runtime.stop() };
}

/** Resolves with the first truthy result of `check`, polled every `intervalMs`; fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 30_000, intervalMs = 50 } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Query strings /predictionForTomorrow must refuse with 400 (never 500), whatever the state of the API. */
export const BAD_PREDICTION_QUERIES: readonly { query: string; why: string }[] = [
  { query: "threshold=abc", why: "not a number" },
  { query: "threshold=", why: "empty" },
  { query: "threshold", why: "no value" },
  { query: "threshold=%20", why: "a space" },
  { query: "threshold=NaN", why: "NaN" },
  { query: "threshold=Infinity", why: "Infinity" },
  { query: "threshold=1e999", why: "overflows to Infinity" },
  { query: "threshold=-0.1", why: "below 0" },
  { query: "threshold=1.5", why: "above 1" },
  { query: "threshold=1.0000001", why: "just above 1" },
  { query: "threshold=0x1", why: "hexadecimal" },
  { query: "threshold=0b1", why: "binary" },
  { query: "threshold=1_0", why: "numeric separator" },
  { query: "threshold=0.5abc", why: "trailing garbage" },
  { query: "threshold=%200.5", why: "leading space" },
  { query: "threshold=0,5", why: "decimal comma" },
  { query: "threshold=0.3&threshold=0.4", why: "repeated parameter" },
  { query: "threshold[]=0.3", why: "array syntax" },
  { query: "threshold=%E0%A4%A", why: "malformed percent-encoding" },
  { query: `threshold=${"0".repeat(5000)}`, why: "very long" },
  { query: "treshold=0.3", why: "unknown parameter (typo)" },
  { query: "threshold=0.3&debug=1", why: "extra parameter" },
];
