// Live accuracy end to end against the real MLflow server of the integration suite: the training job's live stage
// scores the serving champion on the days since its as-of date and logs it (run metrics, report, version tags); a
// failure of that stage leaves the decision alone; the API's dashboard and alert gauges read it all back.
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../api/app.js";
import { loadDashboardConfig } from "../../api/dashboard/config.js";
import { createDashboard } from "../../api/dashboard/index.js";
import { createApiMetrics } from "../../api/metrics.js";
import { ServingRuntime } from "../../api/serving.js";
import { loadTrainConfig } from "../../jobs/train/config.js";
import { runTraining, type TrainOutcome } from "../../jobs/train/pipeline.js";
import { buildDataset } from "../../lib/dataset/build.js";
import { DEFAULT_FEATURE_SPEC } from "../../lib/features/spec.js";
import { barsAsOf } from "../../lib/market/as-of.js";
import { tradingDaysBetween } from "../../lib/market/calendar.js";
import { cleanBars } from "../../lib/market/clean.js";
import { createCsvSource } from "../../lib/market/csv-source.js";
import { fromKeyValues, type FetchLike } from "../../lib/mlflow/index.js";
import { closeTrainingWorkers } from "../../lib/model/worker-pool.js";
import { CHART_SERIES } from "../../lib/monitoring/charts.js";
import { parseLiveReport, rowsSince } from "../../lib/monitoring/live-accuracy.js";
import { LIVE_ARTIFACTS, LIVE_METRICS, LIVE_RUN_TAGS, LIVE_VERSION_TAGS } from "../../lib/monitoring/names.js";
import { loadVersionModel } from "../../lib/model/registry-bundle.js";
import { createLogger } from "../../lib/log.js";
import { spy2yCsv } from "../helpers/data.js";
import { testClient, uniqueName } from "../helpers/mlflow.js";
import { smallTrainingEnv, testTrainingDeps } from "../helpers/job-fixture.js";
import { findAll, parseXml } from "../helpers/plots-xml.js";

const experiment = uniqueName("live-it");
const model = uniqueName("spy-direction");
const mlflow = testClient();
const env = (extra: Record<string, string> = {}) =>
  smallTrainingEnv({ MLFLOW_EXPERIMENT_NAME: experiment, MODEL_NAME: model, PROMOTION_MARGIN: "1000", ...extra });

async function train(asOf: string, fetch?: FetchLike): Promise<Extract<TrainOutcome, { status: "trained" }>> {
  const outcome = await runTraining(
    loadTrainConfig({ asOf }, env()),
    testTrainingDeps({ mlflow: testClient(fetch ? { fetch } : {}) }),
  );
  if (outcome.status !== "trained") throw new Error(`expected a trained run, got ${outcome.status}`);
  return outcome;
}

async function runTags(runId: string): Promise<Record<string, string>> {
  return fromKeyValues((await mlflow.runs.get(runId)).data?.tags);
}

async function versionTags(version: string): Promise<Record<string, string>> {
  return fromKeyValues((await mlflow.registry.getVersion(model, version)).tags);
}

const FIRST = "2023-08-15";
const SECOND = "2023-08-31";
let second: Extract<TrainOutcome, { status: "trained" }>;

beforeAll(async () => {
  await mlflow.experiments.getOrCreate(experiment);
});
afterAll(closeTrainingWorkers);

describe("the live-accuracy stage of the training job", () => {
  it("when there is no champion yet, then the first run records that nothing was scored", async () => {
    const first = await train(FIRST);
    expect(first.tracking.promotion?.decision.outcome).toBe("bootstrap");
    expect(await runTags(first.tracking.runId)).toMatchObject({
      [LIVE_RUN_TAGS.status]: "no_champion",
      [LIVE_RUN_TAGS.detail]: "no champion was serving when this run started",
    });
  });

  it("when a later run trains, then the serving champion is scored on each trading day since its as-of date", async () => {
    second = await train(SECOND);
    expect(second.tracking.promotion?.decision.promote).toBe(false);
    const { runId } = second.tracking;
    expect(await runTags(runId)).toMatchObject({
      [LIVE_RUN_TAGS.status]: "scored",
      [LIVE_RUN_TAGS.championVersion]: "1",
    });
    // Every trading day from the champion's as-of date to the day before this run's (whose next close is known).
    const days = tradingDaysBetween(FIRST, "2023-08-30");
    const daily = (await mlflow.runs.getMetricHistory(runId, LIVE_METRICS.dailyCorrect)).sort(
      (a, b) => a.step! - b.step!,
    );
    expect(daily.map((m) => m.step)).toEqual(days.map((_, i) => i));

    // The same hits, recomputed here from v1's bundle and the bars up to the run's as-of date.
    const bars = cleanBars((await createCsvSource(spy2yCsv()).fetchBars()).bars, { now: new Date() }).bars;
    const rows = rowsSince(buildDataset(barsAsOf(bars, SECOND), DEFAULT_FEATURE_SPEC), FIRST);
    expect(rows.dates).toEqual(days);
    const v1 = await loadVersionModel(mlflow.registry, model, "1", DEFAULT_FEATURE_SPEC);
    const hits = v1.forest.predictUpProbability(rows.X).map((p, i) => ((p >= 0.5 ? 1 : 0) === rows.y[i] ? 1 : 0));
    expect(daily.map((m) => m.value)).toEqual(hits);
    const accuracy = hits.reduce<number>((a, b) => a + b, 0) / hits.length;
    const weekly = await mlflow.runs.getMetricHistory(runId, LIVE_METRICS.weeklyAccuracy);
    expect(weekly).toHaveLength(days.length - 4);

    const metrics = new Map((await mlflow.runs.get(runId)).data!.metrics!.map((m) => [m.key, m.value]));
    expect(metrics.get(LIVE_METRICS.accuracy)).toBeCloseTo(accuracy, 12);
    expect(metrics.get(LIVE_METRICS.days)).toBe(days.length);

    const report = parseLiveReport(
      new TextDecoder().decode(
        await mlflow.artifacts.download((await mlflow.runs.get(runId)).info!.artifact_uri!, LIVE_ARTIFACTS.report),
      ),
    );
    expect(report).toMatchObject({ version: "1", model_as_of: FIRST, data_as_of: SECOND, run_id: runId });
    expect(report.days.map((d) => d.correct)).toEqual(hits);

    expect(await versionTags("1")).toMatchObject({
      [LIVE_VERSION_TAGS.status]: "scored",
      [LIVE_VERSION_TAGS.days]: String(days.length),
      [LIVE_VERSION_TAGS.accuracy]: String(accuracy),
      [LIVE_VERSION_TAGS.firstDate]: FIRST,
      [LIVE_VERSION_TAGS.lastDate]: "2023-08-30",
      [LIVE_VERSION_TAGS.dataAsOf]: SECOND,
      [LIVE_VERSION_TAGS.runId]: runId,
    });
  });

  it("when a backfill runs on older data, then the champion's newer live summary is kept", async () => {
    const backfill = await train("2023-08-22");
    expect(await runTags(backfill.tracking.runId)).toMatchObject({ [LIVE_RUN_TAGS.status]: "scored" });
    expect(await versionTags("1")).toMatchObject({
      [LIVE_VERSION_TAGS.dataAsOf]: SECOND,
      [LIVE_VERSION_TAGS.runId]: second.tracking.runId,
    });
  });

  it("when logging live accuracy fails, then the run still finishes with its decision, and the failure is tagged", async () => {
    const failing: FetchLike = (input, init) =>
      init.method === "PUT" && new URL(input).pathname.endsWith(LIVE_ARTIFACTS.report)
        ? Promise.reject(
            new TypeError("fetch failed", { cause: Object.assign(new Error("reset"), { code: "ECONNRESET" }) }),
          )
        : fetch(input, init);
    const outcome = await train("2023-09-08", failing);
    expect(outcome.tracking.promotion?.decision.outcome).toBe("not_better_than_champion");
    const run = await mlflow.runs.get(outcome.tracking.runId);
    expect(run.info?.status).toBe("FINISHED");
    const tags = fromKeyValues(run.data?.tags);
    expect(tags).toMatchObject({ [LIVE_RUN_TAGS.status]: "failed", promotion_decision: "not_promoted" });
    expect(tags[LIVE_RUN_TAGS.detail]).toMatch(/^live accuracy of champion v1 failed: MLflow at .* is unreachable/);
    const v1 = await versionTags("1");
    expect(v1[LIVE_VERSION_TAGS.status]).toBe("failed");
    expect(v1[LIVE_VERSION_TAGS.dataAsOf]).toBe(SECOND); // the last good summary stays
  });
});

describe("the API reads it back", () => {
  it("when /dashboard and /metrics are read, then the charts and gauges show the MLflow data", async () => {
    const logger = createLogger("test");
    const metrics = createApiMetrics({ processMetrics: false });
    const dashboard = createDashboard({
      client: mlflow,
      config: loadDashboardConfig({ MLFLOW_EXPERIMENT_NAME: experiment, MODEL_NAME: model, ACCURACY_MIN_DAYS: "5" }),
      registry: metrics.registry,
      logger,
    });
    const serving = new ServingRuntime({
      registry: mlflow.registry,
      trackingUri: mlflow.trackingUri,
      modelName: model,
      modelAlias: "champion",
      championPollMs: 60_000,
      marketSource: createCsvSource(spy2yCsv()),
      dataRefreshMs: 60_000,
      logger,
    });
    const app = createApp({ serving, metrics, logger, extensions: [dashboard.extension] }).callback();

    const page = await request(app).get("/dashboard");
    expect(page.status).toBe(200);
    const svgOf = (id: string) =>
      parseXml(new RegExp(`<figure id="${id}"[^>]*>(<svg[\\s\\S]*?</svg>)`).exec(page.text)![1]!);
    const vertices = (svg: ReturnType<typeof parseXml>, series: string): number => {
      const group = findAll(svg, "g", "series").find((g) => g.attrs["data-series"] === series)!;
      const line = findAll(group, "polyline").reduce((n, p) => n + (p.attrs.points ?? "").split(" ").length, 0);
      return Math.max(line, findAll(group, "circle").length);
    };
    // Four finished runs, each with an evaluation accuracy; the newest live report is the run on SECOND's.
    expect(vertices(svgOf("chart-runs"), CHART_SERIES.runAccuracy)).toBe(4);
    const days = tradingDaysBetween(FIRST, "2023-08-30").length;
    expect(vertices(svgOf("chart-live"), CHART_SERIES.liveCumulative)).toBe(days);
    expect(page.text).toContain(`scored by training run ${second.tracking.runId}`);
    expect(page.text).toMatch(/<tr data-kind="bootstrap">/);

    const scraped = (await request(app).get("/metrics")).text;
    const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(scraped)?.[1]);
    expect(value("spy_api_champion_live_accuracy")).toBeCloseTo(Number((await versionTags("1"))["live.accuracy"]), 12);
    expect(value("spy_api_champion_live_days")).toBe(days);
    expect(scraped).toMatch(/^spy_api_alert_active\{alert="training_failed"\} 0$/m);
    expect(scraped).toMatch(/^spy_api_alert_active\{alert="model_stale"\} 0$/m);
  });
});
