// The prediction API process: `npm run api` (tsx) or `node dist/api/server.js` (image). The only file that listens.
// Starts without MLflow or market data (it keeps polling; /readyz says when it can answer) and drains on
// SIGTERM/SIGINT: stop accepting, answer the requests in progress, exit.
import { createServer, type Server } from "node:http";
import { once } from "node:events";
import { runCli } from "../lib/cli.js";
import { createLogger } from "../lib/log.js";
import { createMarketDataSource } from "../lib/market/source-config.js";
import { MlflowClient } from "../lib/mlflow/index.js";
import { createApp } from "./app.js";
import { loadApiConfig } from "./config.js";
import { loadDashboardConfig } from "./dashboard/config.js";
import { createDashboard } from "./dashboard/index.js";
import { createApiMetrics } from "./metrics.js";
import { ServingRuntime } from "./serving.js";
import { drainServer } from "./shutdown.js";
import { API_VERSION } from "./version.js";

const SIGNALS = ["SIGTERM", "SIGINT"] as const;

await runCli("api", async () => {
  const config = loadApiConfig();
  const dashboardConfig = loadDashboardConfig();
  const logger = createLogger("api");
  const mlflow = new MlflowClient({ ...config.mlflow, logger });
  const metrics = createApiMetrics();
  const runtime = new ServingRuntime({
    registry: mlflow.registry,
    trackingUri: mlflow.trackingUri,
    modelName: config.modelName,
    modelAlias: config.modelAlias,
    championPollMs: config.championPollMs,
    marketSource: createMarketDataSource(config.market, { logger }),
    dataRefreshMs: config.dataRefreshMs,
    logger,
    events: metrics,
  });
  const dashboard = createDashboard({ client: mlflow, config: dashboardConfig, registry: metrics.registry, logger });
  const app = createApp({
    serving: runtime,
    metrics,
    logger,
    corsOrigins: config.corsOrigins,
    extensions: [dashboard.extension],
  });
  const handle = app.callback();
  const server = createServer((req, res) => void handle(req, res));

  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of SIGNALS) process.once(signal, () => resolve(signal));
  });
  await listen(server, config.port, config.host);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  runtime.start();
  dashboard.feed.start();
  logger.info(
    {
      host: config.host,
      port,
      model: runtime.follower.modelUri,
      mlflow: mlflow.trackingUri,
      market_data: config.market.MARKET_DATA_FILE ?? `Yahoo Finance ${config.market.MARKET_TICKER}`,
      champion_poll_seconds: config.championPollMs / 1000,
      data_refresh_seconds: config.dataRefreshMs / 1000,
      cors: config.corsOrigins ?? false,
      api_version: API_VERSION,
    },
    "API listening",
  );

  const signal = await stopSignal;
  for (const other of SIGNALS) {
    process.once(other, () => {
      logger.warn({ signal: other }, "second stop signal: exiting without waiting for requests");
      process.exit(1);
    });
  }
  logger.info({ signal, timeout_ms: config.shutdownTimeoutMs }, "stop signal: draining in-flight requests");
  runtime.stop();
  dashboard.feed.stop();
  const { drained, elapsedMs } = await drainServer(server, config.shutdownTimeoutMs);
  logger.info({ drained, elapsed_ms: elapsedMs }, drained ? "drained; exiting" : "drain timed out; connections closed");
  return 0;
});
// Polls or downloads still in flight must not hold the process after the drain.
process.exit();

async function listen(server: Server, port: number, host: string): Promise<void> {
  server.listen(port, host);
  await Promise.race([
    once(server, "listening"),
    once(server, "error").then(([error]) => {
      throw error;
    }),
  ]);
}
