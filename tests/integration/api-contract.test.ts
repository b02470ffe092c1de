import { PREDICTION_FIELDS } from "../helpers/prediction-contract.js";
// The prediction contract with a real champion: a version registered in the shared MLflow server, loaded by the
// API's own follower through the alias and artifact endpoints, market data from the 2-year SPY file.
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_VERSION } from "../../api/version.js";
import { sharedTrackingUri, testClient, uniqueName } from "../helpers/mlflow.js";
import {
  BAD_PREDICTION_QUERIES,
  createTestApi,
  publishTrainedVersion,
  type PublishedVersion,
  type TestApi,
  type TestBundle,
} from "../helpers/model-registry.js";

let api: TestApi;
let published: PublishedVersion & { bundle: TestBundle };
let modelName: string;

beforeAll(async () => {
  const client = testClient();
  modelName = uniqueName("spy-direction");
  published = await publishTrainedVersion(client, modelName, { seed: 11 });
  await client.registry.setAlias(modelName, "champion", published.version);
  api = createTestApi({ trackingUri: sharedTrackingUri(), modelName });
  await api.runtime.refreshNow();
  expect(api.runtime.readiness()).toEqual({ ready: true, reasons: [] });
});

afterAll(() => api?.stop());

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe("GET /predictionForTomorrow with a champion loaded from MLflow", () => {
  it("when called without a threshold, then every contract field is present with its type and value", async () => {
    const before = Date.now();
    const response = await request(api.app.callback()).get("/predictionForTomorrow");
    expect(response.status).toBe(200);
    expect(response.type).toBe("application/json");
    expect(response.headers["cache-control"]).toBe("no-store");
    const body = response.body as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([...PREDICTION_FIELDS].sort());
    const confidence = published.bundle.latestProbability;
    expect(body).toEqual({
      prediction: confidence >= 0.5 ? "UP" : "DOWN",
      confidence,
      threshold: 0.5,
      model_source: "mlflow",
      model_alias: "champion",
      model_name: modelName,
      model_version: published.version,
      run_id: published.runId,
      as_of: "2023-09-29",
      for_date: "2023-10-02",
      generated_at: expect.stringMatching(ISO_INSTANT) as string,
      api_version: API_VERSION,
    });
    expect(typeof body.confidence).toBe("number");
    expect(typeof body.threshold).toBe("number");
    expect(typeof body.model_version).toBe("string");
    expect(body.run_id).toMatch(/^[0-9a-f]{32}$/);
    const generatedAt = Date.parse(body.generated_at as string);
    expect(generatedAt).toBeGreaterThanOrEqual(before - 1);
    expect(generatedAt).toBeLessThanOrEqual(Date.now() + 1);
  });

  it("when the threshold varies, then UP is answered exactly when confidence >= threshold", async () => {
    const app = api.app.callback();
    const confidence = published.bundle.latestProbability;
    expect(confidence).toBeGreaterThan(0);
    expect(confidence).toBeLessThan(1);
    const cases: [string, number, "UP" | "DOWN"][] = [
      ["0", 0, "UP"],
      ["1", 1, "DOWN"],
      [String(confidence), confidence, "UP"],
      [String(confidence + 1e-9), confidence + 1e-9, "DOWN"],
      ["0.25", 0.25, confidence >= 0.25 ? "UP" : "DOWN"],
      ["0.75", 0.75, confidence >= 0.75 ? "UP" : "DOWN"],
    ];
    for (const [raw, threshold, prediction] of cases) {
      const response = await request(app).get(`/predictionForTomorrow?threshold=${raw}`);
      expect(response.status, raw).toBe(200);
      expect(response.body, raw).toMatchObject({ prediction, threshold, confidence });
    }
  });

  it.each(BAD_PREDICTION_QUERIES)(
    "when the query is $query ($why), then it answers 400, never 500",
    async ({ query }) => {
      const response = await request(api.app.callback()).get(`/predictionForTomorrow?${query}`);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        error: "invalid_threshold",
        message: expect.stringMatching(/between 0 and 1 inclusive/) as string,
      });
    },
  );
});

describe("probes, health and metrics with a champion loaded", () => {
  it("when probed, then /readyz and /livez answer 200", async () => {
    const app = api.app.callback();
    expect((await request(app).get("/readyz")).body).toEqual({ status: "ready" });
    expect((await request(app).get("/livez")).status).toBe(200);
  });

  it("when /healthz is read, then it names the model version, run, load time, data as-of date and MLflow state", async () => {
    const response = await request(api.app.callback()).get("/healthz");
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      status: "ok",
      ready: true,
      not_ready_reasons: [],
      api_version: API_VERSION,
      model: {
        uri: `models:/${modelName}@champion`,
        name: modelName,
        alias: "champion",
        version: published.version,
        run_id: published.runId,
        source: `${published.artifactUri}/model`,
        created_at: expect.stringMatching(ISO_INSTANT) as string,
        loaded_at: expect.stringMatching(ISO_INSTANT) as string,
        trees: 15,
      },
      model_refresh: { alias_present: true, alias_version: published.version, last_error: null, rejected_versions: [] },
      data: { as_of: "2023-09-29", for_date: "2023-10-02", bars: 500, first_date: "2021-10-05" },
      data_refresh: {
        consecutive_failures: 0,
        last_error: null,
        last_success_at: expect.stringMatching(ISO_INSTANT) as string,
      },
      mlflow: {
        tracking_uri: sharedTrackingUri(),
        reachable: true,
        last_contact_at: expect.stringMatching(ISO_INSTANT) as string,
      },
    });
  });

  it("when /metrics is scraped, then it shows the served version, model age, data staleness and P(UP)", async () => {
    const app = api.app.callback();
    await request(app).get("/predictionForTomorrow?threshold=0.4");
    await request(app).get("/predictionForTomorrow?threshold=2");
    const response = await request(app).get("/metrics");
    expect(response.status).toBe(200);
    expect(response.type).toBe("text/plain");
    const text = response.text;
    const value = (name: string): number => {
      const match = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
      if (!match) throw new Error(`${name} not in /metrics`);
      return Number(match[1]);
    };
    expect(value("spy_api_champion_version")).toBe(Number(published.version));
    expect(value("spy_api_model_age_seconds")).toBeGreaterThanOrEqual(0);
    expect(value("spy_api_model_age_seconds")).toBeLessThan(600);
    expect(value("spy_api_last_predicted_probability")).toBe(published.bundle.latestProbability);
    expect(value("spy_api_data_staleness_seconds")).toBeGreaterThan(0);
    expect(value("spy_api_mlflow_reachable")).toBe(1);
    expect(value("spy_api_ready")).toBe(1);
    expect(text).toMatch(/^spy_api_model_load_failures_total\{reason="corrupt_file"\} 0$/m);
    expect(text).toMatch(
      /^spy_api_http_requests_total\{method="GET",route="\/predictionForTomorrow",status="200"\} \d+$/m,
    );
    expect(text).toMatch(
      /^spy_api_http_requests_total\{method="GET",route="\/predictionForTomorrow",status="400"\} \d+$/m,
    );
    expect(text).toMatch(
      /^spy_api_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/predictionForTomorrow",status="200"\} \d+$/m,
    );
  });
});
