import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../../lib/log.js";
import type { MlflowClient } from "../../lib/mlflow/index.js";
import { evaluateAlerts, type AlertStatus } from "../../lib/monitoring/alerts.js";
import type { MonitoringSettings } from "../../lib/monitoring/config.js";
import { backoffMs, Repeater } from "../schedule.js";
import { readDashboardData, type DashboardData } from "./data.js";

export interface MonitoringFeedStatus {
  current: DashboardData | undefined;
  lastAttemptAt: Date | undefined;
  lastSuccessAt: Date | undefined;
  /** The most recent failure (kept after recovery; compare with `lastSuccessAt`). */
  lastError: { at: Date; message: string } | undefined;
  consecutiveFailures: number;
}

export interface MonitoringFeedOptions {
  client: MlflowClient;
  settings: MonitoringSettings;
  /** Interval between two background refreshes. */
  refreshMs: number;
  logger: Logger;
  /** First retry after a failure (default 5 s, doubling up to `refreshMs`). */
  retryMs?: number;
  now?: () => Date;
}

/**
 * The monitoring data the dashboard and the alert gauges show, kept in memory: refreshed from MLflow in the
 * background on a schedule (never during a prediction), and on demand by the dashboard when it is older than a
 * short TTL. A failed refresh keeps the last good data and is retried sooner. Only one refresh runs at a time.
 */
export class MonitoringFeed {
  private readonly now: () => Date;
  private readonly repeater: Repeater;
  private inFlight: Promise<void> | undefined;
  private state: MonitoringFeedStatus = {
    current: undefined,
    lastAttemptAt: undefined,
    lastSuccessAt: undefined,
    lastError: undefined,
    consecutiveFailures: 0,
  };

  constructor(private readonly options: MonitoringFeedOptions) {
    this.now = options.now ?? (() => new Date());
    const retryMs = Math.min(options.retryMs ?? 5_000, options.refreshMs);
    this.repeater = new Repeater(
      () => this.refresh(),
      () =>
        this.state.consecutiveFailures > 0
          ? backoffMs(this.state.consecutiveFailures, retryMs, options.refreshMs)
          : options.refreshMs,
      (error) => options.logger.error({ err: error }, "monitoring refresh failed unexpectedly"),
    );
  }

  get settings(): MonitoringSettings {
    return this.options.settings;
  }

  get current(): DashboardData | undefined {
    return this.state.current;
  }

  start(): void {
    this.repeater.start();
  }

  stop(): void {
    this.repeater.stop();
  }

  status(): MonitoringFeedStatus {
    return { ...this.state };
  }

  /** The alerts evaluated now on the last data read (ages keep growing between refreshes); undefined before any. */
  alerts(now: Date = this.now()): AlertStatus[] | undefined {
    const current = this.state.current;
    return current ? evaluateAlerts(current.snapshot, this.options.settings.thresholds, now) : undefined;
  }

  /** One refresh (joins the one in flight). Never throws: a failure is recorded and the last good data stays. */
  refresh(): Promise<void> {
    this.inFlight ??= this.load().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /**
   * Makes the data at most `maxAgeMs` old if MLflow answers within `waitMs`: starts a refresh when it is older and
   * waits for it that long at most (the refresh goes on in the background after that).
   */
  async fresh(maxAgeMs: number, waitMs: number): Promise<void> {
    const readAt = this.state.current?.readAt;
    if (readAt && this.now().getTime() - readAt.getTime() <= maxAgeMs) return;
    const controller = new AbortController();
    await Promise.race([
      this.refresh(),
      sleep(waitMs, undefined, { signal: controller.signal, ref: false }).catch(() => undefined),
    ]);
    controller.abort();
  }

  private async load(): Promise<void> {
    const { logger } = this.options;
    this.state.lastAttemptAt = this.now();
    try {
      const data = await readDashboardData(this.options.client, this.options.settings, this.now(), this.state.current);
      const previous = this.state.current;
      this.state.current = data;
      this.state.lastSuccessAt = this.now();
      if (this.state.consecutiveFailures > 0 || !previous) {
        logger.info(
          {
            champion: data.snapshot.champion?.version ?? null,
            versions: data.versions.length,
            runs: data.history.runs.length,
          },
          "monitoring data loaded",
        );
      }
      this.state.consecutiveFailures = 0;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.state.lastError = { at: this.now(), message };
      this.state.consecutiveFailures++;
      logger.warn({ failures: this.state.consecutiveFailures }, `monitoring refresh failed: ${message}`);
    }
  }
}
