import type { Registry } from "prom-client";
import type { Logger } from "../../lib/log.js";
import type { MlflowClient } from "../../lib/mlflow/index.js";
import type { AppExtension } from "../app.js";
import type { DashboardConfig } from "./config.js";
import { MonitoringFeed } from "./feed.js";
import { registerMonitoringMetrics } from "./metrics.js";
import { dashboardExtension } from "./routes.js";

/** The browser page never refreshes itself more often than this. */
const MIN_PAGE_REFRESH_SECONDS = 5;

export interface Dashboard {
  /** GET /dashboard and its assets, for createApp's `extensions`. */
  extension: AppExtension;
  feed: MonitoringFeed;
}

/**
 * Model monitoring in the API: the feed that reads MLflow in the background, the alert gauges in the API's metrics
 * registry and the /dashboard routes. Call `feed.start()` when the server listens and `feed.stop()` on shutdown.
 */
export function createDashboard(deps: {
  client: MlflowClient;
  config: DashboardConfig;
  registry: Registry;
  logger: Logger;
}): Dashboard {
  const feed = new MonitoringFeed({
    client: deps.client,
    settings: deps.config.settings,
    refreshMs: deps.config.refreshMs,
    logger: deps.logger,
  });
  registerMonitoringMetrics(deps.registry, feed);
  const extension = dashboardExtension({
    feed,
    maxAgeMs: deps.config.maxAgeMs,
    refreshSeconds: Math.max(MIN_PAGE_REFRESH_SECONDS, Math.round(deps.config.refreshMs / 1000)),
    trackingUri: deps.client.trackingUri,
  });
  return { extension, feed };
}
