import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { sessionClose } from "../lib/market/calendar.js";
import { LOAD_FAILURE_REASONS, type LoadFailureReason } from "./champion.js";
import type { Prediction } from "./prediction.js";
import type { ServingEvents, ServingView } from "./serving.js";

/** Prefix of every metric of the API (process metrics keep their standard names). */
export const METRIC_PREFIX = "spy_api_";

/** Latency buckets in seconds: the API answers in well under a millisecond, a slow scrape takes longer. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The API's Prometheus metrics, in a registry of its own (several apps in one process do not collide). Later
 * features (alerts, dashboard) register their metrics in `registry` too.
 */
export interface ApiMetrics extends Required<ServingEvents> {
  readonly registry: Registry;
  /** Counts one answered request and its latency; `route` is the route pattern, never the raw path. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** Gauges about the served model and data read `view` at scrape time. */
  watch(view: ServingView): void;
}

export interface ApiMetricsOptions {
  /** Node process metrics (CPU, memory, event loop lag, GC); default true. */
  processMetrics?: boolean;
  now?: () => Date;
}

interface RequestSeries {
  count: Counter.Internal;
  latency: Histogram.Internal<"method" | "route" | "status">;
}

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

export function createApiMetrics(options: ApiMetricsOptions = {}): ApiMetrics {
  const registry = new Registry();
  const now = options.now ?? (() => new Date());
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  let view: ServingView | undefined;
  let lastProbability: number | undefined;
  const seconds = (from: Date): number => Math.max(0, (now().getTime() - from.getTime()) / 1000);

  const requests = new Counter({
    name: `${METRIC_PREFIX}http_requests_total`,
    help: "HTTP requests answered, by method, route pattern and status code.",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: "Time from receiving a request to its response, by method, route pattern and status code.",
    labelNames: ["method", "route", "status"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const loadFailures = new Counter({
    name: `${METRIC_PREFIX}model_load_failures_total`,
    help: "Champion versions that could not be loaded, by reason (download_failed: MLflow trouble; others: a broken bundle).",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  for (const reason of LOAD_FAILURE_REASONS) loadFailures.inc({ reason }, 0);
  const dataFailures = new Counter({
    name: `${METRIC_PREFIX}data_refresh_failures_total`,
    help: "Market-data refreshes that failed (the last good data keeps being used).",
    registers: [registry],
  });

  const gauge = (name: string, help: string, read: (view: ServingView) => number | undefined): void => {
    new Gauge({
      name: `${METRIC_PREFIX}${name}`,
      help,
      registers: [registry],
      collect() {
        const value = view ? read(view) : undefined;
        // No sample at all while unknown: a 0 would read as "version 0" or "brand-new model".
        if (value === undefined) this.remove();
        else this.set(value);
      },
    });
  };
  gauge("champion_version", "Registry version number of the model being served.", (v) => {
    const version = v.champion().current?.version;
    return version === undefined ? undefined : Number(version);
  });
  gauge("model_age_seconds", "Seconds since the served registry version was created (its creation_timestamp).", (v) => {
    const createdAt = v.champion().current?.createdAt;
    return createdAt ? seconds(createdAt) : undefined;
  });
  gauge("model_loaded_seconds", "Seconds since this process swapped the served model in.", (v) => {
    const loadedAt = v.champion().current?.loadedAt;
    return loadedAt ? seconds(loadedAt) : undefined;
  });
  gauge("mlflow_reachable", "1 when the last call to MLflow got an answer, 0 when MLflow was unreachable.", (v) => {
    const reachable = v.champion().mlflowReachable;
    return reachable === undefined ? undefined : Number(reachable);
  });
  gauge(
    "champion_alias_present",
    "1 when the alias exists in the registry, 0 when it (or the model) is missing.",
    (v) => {
      const present = v.champion().aliasPresent;
      return present === undefined ? undefined : Number(present);
    },
  );
  gauge(
    "data_staleness_seconds",
    "Seconds since the close of the last session in the market data used (the as-of date).",
    (v) => {
      const asOf = v.marketData().current?.asOf;
      const close = asOf ? sessionClose(asOf) : null;
      return close ? seconds(close) : undefined;
    },
  );
  gauge("data_refresh_age_seconds", "Seconds since the last successful market-data refresh.", (v) => {
    const at = v.marketData().lastSuccessAt;
    return at ? seconds(at) : undefined;
  });
  gauge("last_predicted_probability", "P(UP) of the prediction being served (share of trees voting UP).", () => {
    return lastProbability;
  });
  gauge("ready", "1 when a model and market data are loaded (predictions answer 200), else 0.", (v) =>
    Number(v.readiness().ready),
  );

  // Label children per (method, route, status), so a request costs two increments and no label hashing.
  const series = new Map<string, RequestSeries>();
  return {
    registry,
    observeRequest(method, route, status, elapsed) {
      const m = KNOWN_METHODS.has(method) ? method : "OTHER";
      const key = `${m} ${route} ${status}`;
      let entry = series.get(key);
      if (!entry) {
        const labels = { method: m, route, status: String(status) };
        entry = { count: requests.labels(labels), latency: latency.labels(labels) };
        series.set(key, entry);
      }
      entry.count.inc();
      entry.latency.observe(elapsed);
    },
    watch(served) {
      view = served;
    },
    modelLoadFailed(reason: LoadFailureReason) {
      loadFailures.inc({ reason });
    },
    dataRefreshFailed() {
      dataFailures.inc();
    },
    predictionComputed(prediction: Prediction) {
      lastProbability = prediction.probability;
    },
  };
}
