/**
 * Names shared by everything that writes or reads model monitoring in MLflow: the training job (live accuracy),
 * the monitor command (alerts and their state) and the API (Prometheus gauges and the dashboard).
 */

/** Trading days in the rolling "weekly" live accuracy. */
export const WEEK_TRADING_DAYS = 5;

/**
 * Metrics of a training run about the champion that was serving when the run started, scored on every trading
 * day since its as-of date. Series use step = index of the trading day since that date and timestamp = the
 * day's close, so the MLflow UI can chart them against steps or wall time.
 */
export const LIVE_METRICS = {
  /** 1 when that day's prediction (UP iff P(UP) >= 0.5) matched the next close, else 0. */
  dailyCorrect: "live_correct_daily",
  /** Mean of `dailyCorrect` over the last 5 trading days (from the 5th day on). */
  weeklyAccuracy: "live_accuracy_weekly",
  /** Accuracy from the first live day to each day. */
  cumulativeAccuracy: "live_accuracy_cumulative",
  /** Accuracy over every live day (one value per run). */
  accuracy: "live_accuracy",
  /** Accuracy over the last 5 live days. */
  lastWeekAccuracy: "live_accuracy_last_5d",
  /** Accuracy of always-UP on the same days. */
  alwaysUpAccuracy: "live_always_up_accuracy",
  /** Number of live days scored (0 when none yet). */
  days: "live_days",
} as const;

/** Tags of the training run about its live-accuracy stage. */
export const LIVE_RUN_TAGS = {
  /** scored | no_live_days | no_champion | incompatible_champion | failed */
  status: "live_accuracy_status",
  /** The champion version scored. */
  championVersion: "live_accuracy_champion_version",
  /** Why the stage did not score (one line), when it did not. */
  detail: "live_accuracy_detail",
} as const;

/**
 * Tags on the scored champion's model version: its latest live-accuracy summary, so the monitor and the API read
 * it with one registry call (get-by-alias). `live.run_id` names the run whose artifact holds the daily series.
 */
export const LIVE_VERSION_TAGS = {
  accuracy: "live.accuracy",
  days: "live.days",
  lastWeekAccuracy: "live.accuracy_last_5d",
  alwaysUpAccuracy: "live.always_up_accuracy",
  firstDate: "live.first_date",
  lastDate: "live.last_date",
  scoredAt: "live.scored_at",
  /** The as-of date of the data scored on: a run on older data (a backfill) never overwrites a newer summary. */
  dataAsOf: "live.data_as_of",
  runId: "live.run_id",
  /** Same values as LIVE_RUN_TAGS.status. */
  status: "live.status",
} as const;

/** The live-accuracy report of a training run: the daily series as JSON, and its chart. */
export const LIVE_ARTIFACTS = {
  report: "monitoring/live_accuracy.json",
  plot: "monitoring/live_accuracy.svg",
} as const;

export type LiveStatus = "scored" | "no_live_days" | "no_champion" | "incompatible_champion" | "failed";

/** The monitor's alerts. */
export const ALERT_NAMES = [
  "model_stale",
  "accuracy_below_floor",
  "accuracy_above_ceiling",
  "training_failed",
  "training_sla_missed",
] as const;

export type AlertName = (typeof ALERT_NAMES)[number];

/**
 * Where the monitor keeps the alert state (in the monitoring experiment): one run per registered model, found by
 * these tags, holding one `alert.<name>` tag per alert and an `alert_active/<name>` metric per check.
 */
export const MONITOR_RUN_TAGS = {
  kind: "monitor.kind",
  model: "monitor.model_name",
  lastCheckAt: "monitor.last_check_at",
  webhook: "monitor.webhook",
  pending: "monitor.pending_notifications",
  /** Prefix of each alert's state tag: `alert.model_stale`, ... */
  alertPrefix: "alert.",
} as const;

export const MONITOR_RUN_KIND = "alert_state";

/** Metrics the monitor logs on its state run at each check. */
export const MONITOR_METRICS = {
  /** Prefix: `alert_active/model_stale` = 0 or 1. */
  alertActivePrefix: "alert_active/",
  /** Prefix: `alert_value/model_stale` = the value judged (hours of age, an accuracy). */
  alertValuePrefix: "alert_value/",
  championLiveAccuracy: "champion_live_accuracy",
  championLiveDays: "champion_live_days",
} as const;
