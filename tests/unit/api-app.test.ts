// The HTTP contract that holds whatever the state of the model: routing, JSON errors, bad input, headers, CORS,
// logs, OpenAPI and the extension point. The app here has no model yet (its runtime is never started, so nothing is
// contacted); answers with a model are tested against a real MLflow server in tests/integration/api-contract.test.ts.
import { Writable } from "node:stream";
import Router from "@koa/router";
import { pino } from "pino";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createApp, type AppExtension } from "../../api/app.js";
import type { ApiState } from "../../api/context.js";
import { createApiMetrics } from "../../api/metrics.js";
import { buildOpenApiDocument } from "../../api/openapi.js";
import { ServingRuntime } from "../../api/serving.js";
import { createLogger } from "../../lib/log.js";
import { createCsvSource } from "../../lib/market/csv-source.js";
import { MlflowClient } from "../../lib/mlflow/index.js";
import { spy2yCsv } from "../helpers/data.js";
import { BAD_PREDICTION_QUERIES } from "../helpers/model-registry.js";

/** A runtime that was never started: no model, no data, nothing contacted. */
function idleRuntime(): ServingRuntime {
  const client = new MlflowClient({ trackingUri: "http://127.0.0.1:9" });
  return new ServingRuntime({
    registry: client.registry,
    trackingUri: client.trackingUri,
    modelName: "spy-direction",
    modelAlias: "champion",
    championPollMs: 60_000,
    marketSource: createCsvSource(spy2yCsv()),
    dataRefreshMs: 60_000,
    logger: createLogger("test"),
  });
}

function idleApp(options: { corsOrigins?: string[]; extensions?: AppExtension[]; lines?: string[] } = {}) {
  const logger = options.lines
    ? pino(
        { level: "info" },
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            options.lines!.push(...chunk.toString("utf8").trim().split("\n"));
            done();
          },
        }),
      )
    : createLogger("test");
  return createApp({
    serving: idleRuntime(),
    metrics: createApiMetrics({ processMetrics: false }),
    logger,
    corsOrigins: options.corsOrigins,
    extensions: options.extensions,
  });
}

describe("API before a model is loaded", () => {
  it("when a prediction is asked, then it answers 503 JSON saying what is missing, with Retry-After", async () => {
    const response = await request(idleApp().callback()).get("/predictionForTomorrow?threshold=0.3");
    expect(response.status).toBe(503);
    expect(response.type).toBe("application/json");
    expect(response.headers["retry-after"]).toBe("5");
    expect(response.body).toMatchObject({
      error: "not_ready",
      message: expect.stringMatching(/no model loaded yet/) as string,
    });
    expect((response.body as { reasons: string[] }).reasons).toEqual([
      expect.stringMatching(/no model loaded yet: models:\/spy-direction@champion not read yet/) as string,
      expect.stringMatching(/no market data loaded yet/) as string,
    ]);
  });

  it("when probed, then /livez is 200, /readyz is 503 with reasons and /healthz reports not_ready", async () => {
    const app = idleApp().callback();
    const live = await request(app).get("/livez");
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: "alive" });
    const ready = await request(app).get("/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      status: "not_ready",
      reasons: expect.arrayContaining([expect.any(String)]) as string[],
    });
    const health = await request(app).get("/healthz");
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: "not_ready",
      ready: false,
      model: null,
      data: null,
      model_refresh: { alias_present: null, last_error: null, rejected_versions: [] },
      mlflow: { tracking_uri: "http://127.0.0.1:9", reachable: null, last_contact_at: null },
    });
  });

  it.each(BAD_PREDICTION_QUERIES)(
    "when the query is $query ($why), then it answers 400 JSON stating the allowed range",
    async ({ query }) => {
      const response = await request(idleApp().callback()).get(`/predictionForTomorrow?${query}`);
      expect(response.status).toBe(400);
      expect(response.type).toBe("application/json");
      expect(response.body).toMatchObject({
        error: "invalid_threshold",
        message: expect.stringMatching(/between 0 and 1 inclusive/) as string,
        allowed: { minimum: 0, maximum: 1, default: 0.5 },
      });
    },
  );
});

describe("API routing and errors", () => {
  it("when a route does not exist, then it answers a JSON 404 pointing to /openapi.json", async () => {
    for (const path of ["/", "/prediction", "/predictionForTomorrow/x", "/%E0%A4%A", "/../etc/passwd"]) {
      const response = await request(idleApp().callback()).get(path);
      expect(response.status, path).toBe(404);
      expect(response.body).toMatchObject({
        error: "not_found",
        message: expect.stringMatching(/openapi\.json/) as string,
      });
    }
  });

  it("when a known route is called with another method, then it answers a JSON 405 with Allow", async () => {
    const app = idleApp().callback();
    for (const method of ["post", "put", "delete", "patch"] as const) {
      const response = await request(app)[method]("/predictionForTomorrow").send({ threshold: 0.3 });
      expect(response.status, method).toBe(405);
      expect(response.headers.allow).toBe("HEAD, GET");
      expect(response.body).toMatchObject({ error: "method_not_allowed", allowed_methods: ["HEAD", "GET"] });
    }
  });

  it("when a route of an extension throws, then it answers a generic 500 JSON without the stack", async () => {
    const router = new Router<ApiState>();
    router.get("/boom", () => {
      throw new Error("secret detail at /srv/app.ts:12");
    });
    const lines: string[] = [];
    const response = await request(idleApp({ extensions: [{ router }], lines }).callback())
      .get("/boom")
      .set("X-Request-Id", "req-42");
    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      error: "internal_error",
      message: "internal error; the server log has the details (request req-42)",
    });
    expect(response.text).not.toMatch(/secret|app\.ts/);
    expect(lines.some((line) => line.includes("secret detail"))).toBe(true);
  });

  it("when requests are answered, then each writes exactly one structured log line with its outcome", async () => {
    const lines: string[] = [];
    const app = idleApp({ lines }).callback();
    await request(app).get("/predictionForTomorrow?threshold=abc").set("X-Request-Id", "abc-1");
    await request(app).get("/livez");
    await request(app).get("/missing");
    const requests = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => l.msg === "request");
    expect(requests).toHaveLength(3);
    expect(requests[0]).toMatchObject({
      req_id: "abc-1",
      method: "GET",
      path: "/predictionForTomorrow",
      query: "threshold=abc",
      route: "/predictionForTomorrow",
      status: 400,
      ms: expect.any(Number) as number,
    });
    expect(requests[1]).toMatchObject({ route: "/livez", status: 200 });
    expect(requests[2]).toMatchObject({ route: "unmatched", status: 404, path: "/missing" });
  });

  it("when a request id is sent, then it is echoed; otherwise a new one is made", async () => {
    const app = idleApp().callback();
    expect((await request(app).get("/livez").set("X-Request-Id", "trace.1:a-b")).headers["x-request-id"]).toBe(
      "trace.1:a-b",
    );
    const made = (await request(app).get("/livez").set("X-Request-Id", "bad id with spaces")).headers["x-request-id"];
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("API headers", () => {
  it("when anything is answered, then security headers are set", async () => {
    const response = await request(idleApp().callback()).get("/livez");
    expect(response.headers).toMatchObject({
      "x-content-type-options": "nosniff",
      "x-frame-options": "SAMEORIGIN",
      "referrer-policy": "no-referrer",
      "cross-origin-resource-policy": "same-origin",
      "content-security-policy": expect.stringContaining("default-src 'self'") as string,
    });
    expect(response.headers["x-powered-by"]).toBeUndefined();
  });

  it("when CORS is not configured, then no CORS header is sent, even to a cross-origin caller", async () => {
    const app = idleApp().callback();
    const response = await request(app).get("/livez").set("Origin", "http://evil.example");
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
    const preflight = await request(app)
      .options("/predictionForTomorrow")
      .set("Origin", "http://evil.example")
      .set("Access-Control-Request-Method", "GET");
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("when CORS origins are configured, then only those origins are allowed, for reads only", async () => {
    const app = idleApp({ corsOrigins: ["http://localhost:3000"] }).callback();
    const allowed = await request(app).get("/livez").set("Origin", "http://localhost:3000");
    expect(allowed.headers["access-control-allow-origin"]).toBe("http://localhost:3000");
    expect(allowed.headers.vary).toMatch(/Origin/);
    expect(allowed.headers["access-control-allow-credentials"]).toBeUndefined();
    const other = await request(app).get("/livez").set("Origin", "http://evil.example");
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    const preflight = await request(app)
      .options("/predictionForTomorrow")
      .set("Origin", "http://localhost:3000")
      .set("Access-Control-Request-Method", "GET");
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-methods"]).toBe("GET, HEAD, OPTIONS");
    const any = await request(idleApp({ corsOrigins: ["*"] }).callback())
      .get("/livez")
      .set("Origin", "http://anywhere.example");
    expect(any.headers["access-control-allow-origin"]).toBe("*");
  });
});

describe("API documentation and extension point", () => {
  it("when /openapi.json is read, then it documents every route, and every documented route exists", async () => {
    const app = idleApp().callback();
    const response = await request(app).get("/openapi.json");
    expect(response.status).toBe(200);
    const document = response.body as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths).sort()).toEqual(
      ["/healthz", "/livez", "/metrics", "/openapi.json", "/predictionForTomorrow", "/readyz"].sort(),
    );
    for (const [path, item] of Object.entries(document.paths)) {
      expect(Object.keys(item), path).toEqual(["get"]);
      expect((await request(app).get(path)).status, path).not.toBe(404);
    }
  });

  it("when an extension adds a route, then it runs behind the same middleware and appears in /openapi.json", async () => {
    const router = new Router<ApiState>();
    router.get("/dashboard", (ctx) => {
      ctx.type = "text/html";
      ctx.body = "<h1>dashboard</h1>";
    });
    const openapi = { "/dashboard": { get: { summary: "Dashboard", responses: { "200": { description: "HTML" } } } } };
    const app = idleApp({ extensions: [{ router, openapi }] }).callback();
    const page = await request(app).get("/dashboard");
    expect(page.status).toBe(200);
    expect(page.text).toBe("<h1>dashboard</h1>");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect(page.headers["x-request-id"]).toBeDefined();
    const wrongMethod = await request(app).post("/dashboard");
    expect(wrongMethod.status).toBe(405);
    expect((wrongMethod.body as { error: string }).error).toBe("method_not_allowed");
    const document = (await request(app).get("/openapi.json")).body as { paths: Record<string, unknown> };
    expect(document.paths["/dashboard"]).toEqual(openapi["/dashboard"]);
    expect(buildOpenApiDocument().paths).not.toHaveProperty("/dashboard");
  });

  it("when two apps are created in one process, then their metrics registries are separate", async () => {
    const first = idleApp().callback();
    const second = idleApp().callback();
    await request(first).get("/livez");
    const metrics = (await request(second).get("/metrics")).text;
    expect(metrics).not.toMatch(/route="\/livez"/);
    expect((await request(first).get("/metrics")).text).toMatch(
      /spy_api_http_requests_total\{method="GET",route="\/livez",status="200"\} 1/,
    );
  });
});
