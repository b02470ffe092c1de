import { Gauge, type Registry } from "prom-client";
import { wallAgeHours } from "../../lib/monitoring/trading-hours.js";
import { METRIC_PREFIX } from "../metrics.js";
import type { MonitoringFeed } from "./feed.js";

/**
 * The monitor's alerts as Prometheus gauges of the API, evaluated at scrape time by the same code as the monitor
 * command (lib/monitoring) on the feed's last MLflow data: no MLflow call happens during a scrape. Before the first
 * successful refresh the gauges have no sample (a 0 would read as "no alert").
 */
export function registerMonitoringMetrics(
  registry: Registry,
  feed: MonitoringFeed,
  now: () => Date = () => new Date(),
): void {
  const secondsSince = (from: Date): number => wallAgeHours(from, now()) * 3600;

  new Gauge({
    name: `${METRIC_PREFIX}alert_active`,
    help: "1 while the alert's condition holds, else 0 (same rules and thresholds as the monitor command).",
    labelNames: ["alert"] as const,
    registers: [registry],
    collect() {
      const statuses = feed.alerts(now());
      if (!statuses) {
        this.reset();
        return;
      }
      for (const status of statuses) this.set({ alert: status.name }, status.active ? 1 : 0);
    },
  });

  const gauge = (name: string, help: string, read: () => number | null | undefined): void => {
    new Gauge({
      name: `${METRIC_PREFIX}${name}`,
      help,
      registers: [registry],
      collect() {
        const value = read();
        if (value === null || value === undefined) this.remove();
        else this.set(value);
      },
    });
  };
  const snapshot = () => feed.current?.snapshot;
  gauge(
    "champion_live_accuracy",
    "Accuracy of the champion's predictions on the trading days since its as-of date (the training job scores it).",
    () => snapshot()?.champion?.live?.accuracy,
  );
  gauge("champion_live_days", "Trading days the champion's live accuracy is computed on.", () => {
    const live = snapshot()?.champion?.live;
    return live ? live.days : undefined;
  });
  gauge("newest_version_age_seconds", "Seconds since the newest registered version was created.", () => {
    const created = snapshot()?.newest?.createdAt;
    return created ? secondsSince(created) : undefined;
  });
  gauge("last_training_success_age_seconds", "Seconds since the last successful training run finished.", () => {
    const run = snapshot()?.lastSuccess;
    const finished = run?.endedAt ?? run?.startedAt;
    return finished ? secondsSince(finished) : undefined;
  });
  gauge("monitoring_data_age_seconds", "Seconds since the monitoring data was last read from MLflow.", () => {
    const at = feed.status().lastSuccessAt;
    return at ? secondsSince(at) : undefined;
  });
}
