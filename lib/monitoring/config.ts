import { z } from "zod";
import { loadEnv } from "../config.js";

type Env = Record<string, string | undefined>;

const hours = () =>
  z.coerce
    .number()
    .min(0)
    .max(24 * 365);
const share = () => z.coerce.number().min(0).max(1);

/**
 * What is monitored and the alert thresholds, shared by the monitor command and the API (so its Prometheus alert
 * gauges and the dashboard agree with the notifications). Hours of age are counted without the whole days the
 * market is closed (see tradingAgeHours).
 */
export const monitoringEnvSchema = z
  .object({
    MLFLOW_EXPERIMENT_NAME: z.string().trim().min(1).max(500).default("spy-direction"),
    MODEL_NAME: z
      .string()
      .trim()
      .regex(/^[\w.-]{1,200}$/, "letters, digits, '_', '-' and '.' only")
      .default("spy-direction"),
    /** Where the monitor keeps the alert state; default `<MLFLOW_EXPERIMENT_NAME>-monitor`. */
    MONITOR_EXPERIMENT_NAME: z.string().trim().min(1).max(500).optional(),
    /** The newest registered version may be this old (trading-day hours) before `model_stale` fires. */
    MODEL_MAX_AGE_HOURS: hours().default(36),
    /** A training run must have finished successfully within this many trading-day hours. */
    TRAINING_SLA_HOURS: hours().default(30),
    /** The champion's live accuracy below this fires `accuracy_below_floor`. */
    ACCURACY_FLOOR: share().default(0.45),
    /** Any accuracy above this (live or on an evaluation window) fires `accuracy_above_ceiling`. */
    ACCURACY_CEILING: share().default(0.7),
    /** Live days needed before the live accuracy is compared with the floor and the ceiling. */
    ACCURACY_MIN_DAYS: z.coerce.number().int().min(1).max(10_000).default(20),
  })
  .refine((env) => env.ACCURACY_FLOOR < env.ACCURACY_CEILING, {
    path: ["ACCURACY_CEILING"],
    message: "must be above ACCURACY_FLOOR",
  });

export interface AlertThresholds {
  modelMaxAgeHours: number;
  trainingSlaHours: number;
  accuracyFloor: number;
  accuracyCeiling: number;
  accuracyMinDays: number;
}

export interface MonitoringSettings {
  /** The registered model. */
  model: string;
  /** The training job's experiment. */
  experimentName: string;
  /** The experiment holding the monitor's alert-state run. */
  monitorExperimentName: string;
  thresholds: AlertThresholds;
}

export type MonitoringEnv = z.infer<typeof monitoringEnvSchema>;

/** The settings from validated variables (for a caller that extends the schema with its own). */
export function monitoringSettingsFrom(vars: MonitoringEnv): MonitoringSettings {
  return {
    model: vars.MODEL_NAME,
    experimentName: vars.MLFLOW_EXPERIMENT_NAME,
    monitorExperimentName: vars.MONITOR_EXPERIMENT_NAME ?? `${vars.MLFLOW_EXPERIMENT_NAME}-monitor`,
    thresholds: {
      modelMaxAgeHours: vars.MODEL_MAX_AGE_HOURS,
      trainingSlaHours: vars.TRAINING_SLA_HOURS,
      accuracyFloor: vars.ACCURACY_FLOOR,
      accuracyCeiling: vars.ACCURACY_CEILING,
      accuracyMinDays: vars.ACCURACY_MIN_DAYS,
    },
  };
}

/** The monitoring settings from the environment; throws one ConfigError listing every invalid variable. */
export function loadMonitoringSettings(env: Env = process.env): MonitoringSettings {
  return monitoringSettingsFrom(loadEnv(monitoringEnvSchema, env));
}
