import { z } from "zod";
import { loadEnv } from "../../lib/config.js";
import { monitoringEnvSchema, monitoringSettingsFrom, type MonitoringSettings } from "../../lib/monitoring/config.js";

type Env = Record<string, string | undefined>;

/** The dashboard's variables, plus what is monitored and the thresholds (shared with the monitor command). */
export const dashboardEnvSchema = monitoringEnvSchema.safeExtend({
  /** The monitoring data (alert gauges, dashboard) is read from MLflow in the background this often. */
  DASHBOARD_REFRESH_SECONDS: z.coerce.number().positive().max(86_400).default(60),
  /** A /dashboard request first re-reads data older than this (waiting for MLflow 3 s at most). */
  DASHBOARD_MAX_AGE_SECONDS: z.coerce.number().min(0).max(86_400).default(15),
});

export interface DashboardConfig {
  settings: MonitoringSettings;
  refreshMs: number;
  maxAgeMs: number;
}

/** Throws one ConfigError listing every invalid variable. */
export function loadDashboardConfig(env: Env = process.env): DashboardConfig {
  const vars = loadEnv(dashboardEnvSchema, env);
  return {
    settings: monitoringSettingsFrom(vars),
    refreshMs: Math.round(vars.DASHBOARD_REFRESH_SECONDS * 1000),
    maxAgeMs: Math.round(vars.DASHBOARD_MAX_AGE_SECONDS * 1000),
  };
}
