import type Router from "@koa/router";
import { sendError, sendJsonText, type ApiState } from "./context.js";
import { buildHealthReport } from "./health.js";
import type { ApiMetrics } from "./metrics.js";
import { decide, renderPrediction } from "./prediction.js";
import type { ServingView } from "./serving.js";
import { DEFAULT_THRESHOLD, parseThreshold } from "./threshold.js";

/** Seconds a client is told to wait before asking again while the API is not ready. */
const RETRY_AFTER_SECONDS = "5";

export interface CoreRouteDeps {
  serving: ServingView;
  metrics: ApiMetrics;
  /** The OpenAPI document, rendered once. */
  openapiJson: string;
}

/** The API's own routes: the prediction, the probes, /healthz, /metrics and /openapi.json. */
export function addCoreRoutes(router: Router<ApiState>, { serving, metrics, openapiJson }: CoreRouteDeps): void {
  router.get("/predictionForTomorrow", (ctx) => {
    const threshold = parseThreshold(ctx.querystring);
    if (!threshold.ok) {
      sendError(ctx, 400, "invalid_threshold", threshold.message, {
        allowed: { minimum: 0, maximum: 1, default: DEFAULT_THRESHOLD },
      });
      return;
    }
    const prediction = serving.prediction();
    if (!prediction) {
      const { reasons } = serving.readiness();
      ctx.set("Retry-After", RETRY_AFTER_SECONDS);
      sendError(ctx, 503, "not_ready", `no prediction available yet: ${reasons.join("; ")}`, { reasons });
      return;
    }
    sendJsonText(ctx, 200, renderPrediction(prediction, threshold.value, new Date().toISOString()));
    ctx.set("Cache-Control", "no-store");
    ctx.state.log = {
      threshold: threshold.value,
      prediction: decide(prediction.probability, threshold.value),
      confidence: prediction.probability,
      model_version: prediction.modelVersion,
    };
  });

  router.get("/livez", (ctx) => {
    sendJsonText(ctx, 200, '{"status":"alive"}');
  });

  router.get("/readyz", (ctx) => {
    const { ready, reasons } = serving.readiness();
    if (!ready) ctx.set("Retry-After", RETRY_AFTER_SECONDS);
    ctx.status = ready ? 200 : 503;
    ctx.body = ready ? { status: "ready" } : { status: "not_ready", reasons };
  });

  router.get("/healthz", (ctx) => {
    ctx.set("Cache-Control", "no-store");
    ctx.body = buildHealthReport(serving);
  });

  router.get("/metrics", async (ctx) => {
    const text = await metrics.registry.metrics();
    ctx.type = metrics.registry.contentType;
    ctx.body = text;
  });

  router.get("/openapi.json", (ctx) => {
    sendJsonText(ctx, 200, openapiJson);
  });
}
