// The dashboard's HTTP surface without MLflow (an address nothing listens on): the page, its files, the security
// headers and the alert gauges before any data. Answers with MLflow data: tests/integration/live-accuracy.test.ts.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createApp } from "../../api/app.js";
import { createDashboard } from "../../api/dashboard/index.js";
import { loadDashboardConfig } from "../../api/dashboard/config.js";
import { DASHBOARD_CSP } from "../../api/dashboard/routes.js";
import { createApiMetrics } from "../../api/metrics.js";
import { ServingRuntime } from "../../api/serving.js";
import { createLogger } from "../../lib/log.js";
import { createCsvSource } from "../../lib/market/csv-source.js";
import { MlflowClient } from "../../lib/mlflow/index.js";
import { spy2yCsv } from "../helpers/data.js";

function app() {
  const client = new MlflowClient({ trackingUri: "http://127.0.0.1:1", retry: { retries: 0 }, timeoutMs: 1_000 });
  const logger = createLogger("test");
  const metrics = createApiMetrics({ processMetrics: false });
  const serving = new ServingRuntime({
    registry: client.registry,
    trackingUri: client.trackingUri,
    modelName: "spy-direction",
    modelAlias: "champion",
    championPollMs: 60_000,
    marketSource: createCsvSource(spy2yCsv()),
    dataRefreshMs: 60_000,
    logger,
  });
  const dashboard = createDashboard({ client, config: loadDashboardConfig({}), registry: metrics.registry, logger });
  return createApp({ serving, metrics, logger, extensions: [dashboard.extension] }).callback();
}

describe("GET /dashboard", () => {
  it("when MLflow cannot be read, then the page still answers 200 saying why, under a self-only CSP", async () => {
    const response = await request(app()).get("/dashboard");
    expect(response.status).toBe(200);
    expect(response.type).toBe("text/html");
    expect(response.text).toMatch(
      /No monitoring data yet \(MLflow could not be read: MLflow at http:\/\/127\.0\.0\.1:1 is unreachable/,
    );
    expect(response.headers["content-security-policy"]).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'/);
    expect(DASHBOARD_CSP).not.toMatch(/unsafe|https:|\*/);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("when its script and style sheet are asked for, then the API serves them itself with their types", async () => {
    const handler = app();
    const script = await request(handler).get("/dashboard/assets/dashboard.js");
    expect(script.status).toBe(200);
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(script.text).toContain('getElementById("content")');
    const style = await request(handler).get("/dashboard/assets/dashboard.css");
    expect(style.status).toBe(200);
    expect(style.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(style.text).toContain(".badge.firing");
    for (const text of [script.text, style.text]) expect(text).not.toMatch(/https?:\/\//);
  });

  it("when another file is asked for, then the answer is the API's JSON 404", async () => {
    for (const path of ["/dashboard/assets/../../package.json", "/dashboard/assets/secrets.js", "/dashboard/x"]) {
      const response = await request(app()).get(path);
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ error: "not_found" });
    }
  });

  it("when the OpenAPI document is read, then it lists the dashboard's routes", async () => {
    const response = await request(app()).get("/openapi.json");
    expect(Object.keys((response.body as { paths: object }).paths)).toEqual(
      expect.arrayContaining(["/dashboard", "/dashboard/assets/{file}"]),
    );
  });

  it("when /metrics is scraped before any MLflow data, then the alert gauges exist but have no sample", async () => {
    const response = await request(app()).get("/metrics");
    expect(response.text).toContain("# TYPE spy_api_alert_active gauge");
    expect(response.text).toContain("# TYPE spy_api_champion_live_accuracy gauge");
    expect(response.text).not.toMatch(/^spy_api_alert_active\{/m);
  });
});
