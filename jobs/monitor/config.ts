import { parseArgs } from "node:util";
import { z } from "zod";
import { UsageError } from "../../lib/cli.js";
import { ConfigError, loadEnv } from "../../lib/config.js";
import { mlflowConnectionFromEnv, type MlflowConnection } from "../../lib/mlflow/index.js";
import { monitoringEnvSchema, monitoringSettingsFrom, type MonitoringSettings } from "../../lib/monitoring/config.js";

type Env = Record<string, string | undefined>;

export const MONITOR_USAGE = `usage: monitor [--help]

Checks the model once and notifies the webhook of every alert that started or cleared since the last check
(never again while it holds): model_stale, accuracy_below_floor, accuracy_above_ceiling, training_failed,
training_sla_missed. The alert state is kept in MLflow (experiment MONITOR_EXPERIMENT_NAME).

Environment (defaults): MODEL_NAME (spy-direction), MLFLOW_EXPERIMENT_NAME (spy-direction),
MONITOR_EXPERIMENT_NAME (<MLFLOW_EXPERIMENT_NAME>-monitor), MODEL_MAX_AGE_HOURS (36), TRAINING_SLA_HOURS (30),
ACCURACY_FLOOR (0.45), ACCURACY_CEILING (0.7), ACCURACY_MIN_DAYS (20), ALERT_WEBHOOK_URL (unset: no
notifications), ALERT_WEBHOOK_TIMEOUT_SECONDS (10), ALERT_WEBHOOK_RETRIES (3), and the MLFLOW_* variables.
Hours of age do not count whole days the market is closed (weekends, holidays).
Exit codes: 0 checked (alerts may be active), 1 MLflow unreachable or a notification not delivered (it is
sent at the next check), 2 bad configuration.`;

/** The monitor's variables, plus what is monitored and the thresholds (shared with the API). */
export const monitorEnvSchema = monitoringEnvSchema.safeExtend({
  /** Checked by hand below, so an invalid value (which may hold a token) is never echoed. */
  ALERT_WEBHOOK_URL: z.string().trim().optional(),
  ALERT_WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().positive().max(300).default(10),
  ALERT_WEBHOOK_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
});

export interface WebhookConfig {
  url: string;
  timeoutMs: number;
  retries: number;
}

export interface MonitorConfig {
  settings: MonitoringSettings;
  mlflow: MlflowConnection;
  /** Undefined: no webhook, transitions are only logged. */
  webhook: WebhookConfig | undefined;
}

/** `--help` or nothing; anything else is a UsageError (exit 2). */
export function parseMonitorArgs(argv: readonly string[]): { help: boolean } {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    });
    return { help: values.help ?? false };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${MONITOR_USAGE}`);
  }
}

/** Every setting of the monitor, validated before any work (a ConfigError lists the invalid variables). */
export function loadMonitorConfig(env: Env = process.env): MonitorConfig {
  const vars = loadEnv(monitorEnvSchema, env);
  const url = vars.ALERT_WEBHOOK_URL;
  if (url !== undefined && !isHttpUrl(url)) {
    throw new ConfigError(
      "invalid configuration:\n  ALERT_WEBHOOK_URL: expected an http(s) URL (the value is not shown: it may hold a token)",
    );
  }
  return {
    settings: monitoringSettingsFrom(vars),
    mlflow: mlflowConnectionFromEnv(env),
    webhook: url
      ? {
          url,
          timeoutMs: Math.round(vars.ALERT_WEBHOOK_TIMEOUT_SECONDS * 1000),
          retries: vars.ALERT_WEBHOOK_RETRIES,
        }
      : undefined,
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.host !== "";
  } catch {
    return false;
  }
}
