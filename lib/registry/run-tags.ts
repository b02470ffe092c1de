/** Tags the training job sets on its MLflow runs (besides MLflow's own `mlflow.*` system tags). */
export const RUN_TAGS = {
  /** The date of the last bar used: the idempotency key of a run (one decided run per as-of date and model). */
  asOf: "as_of",
  /** The --as-of date asked for, when one was. */
  requestedAsOf: "requested_as_of",
  modelName: "model_name",
  ticker: "ticker",
  dataSource: "data_source",
  dataUri: "data_uri",
  dataCleaning: "data_cleaning",
  trainer: "trainer",
  codeVersion: "code_version",
  mlflowServerVersion: "mlflow_server_version",
  /** The registered version this run produced. */
  modelVersion: "model_version",
  /** "promoted" | "not_promoted" | "failed" (set last: a FINISHED run with it is done). */
  decision: "promotion_decision",
  decisionReason: "promotion_reason",
  /** The error that failed the run, one line. */
  error: "error",
  /** MLflow's run description (shown on the run page). */
  note: "mlflow.note.content",
} as const;

/**
 * Prefixes of the evaluation metrics the training job logs on its runs (`eval_roc_auc`, `baseline_always_up_accuracy`,
 * ...): one entry per report, followed by the metric's name.
 */
export const RUN_METRIC_PREFIXES = {
  model: "eval_",
  alwaysUp: "baseline_always_up_",
  previousDayDirection: "baseline_prev_day_",
  training: "train_",
} as const;
