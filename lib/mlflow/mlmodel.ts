/**
 * The MLmodel document (mlflow/models/model.py) as sent to `runs/log-model`. The server validates only
 * `artifact_path`, `flavors`, `utc_time_created` and `run_id`; the UI's model panel also needs `flavors`.
 */
export interface MlModel {
  /** Directory of the model under the run's artifacts, e.g. `model`. */
  artifact_path: string;
  /** At least one flavor, e.g. `{ spy_rf: { format: "json", model_file: "model.json" } }`. */
  flavors: Record<string, Record<string, unknown>>;
  /** Naive UTC time as MLflow writes it; use `mlmodelTimestamp()`. */
  utc_time_created: string;
  run_id: string;
  model_uuid?: string;
  mlflow_version?: string;
  /** `inputs`/`outputs` are JSON strings of ColSpec arrays. */
  signature?: { inputs?: string; outputs?: string; params?: string };
  metadata?: Record<string, unknown>;
  model_size_bytes?: number;
  [field: string]: unknown;
}

/** A time in MLflow's `utc_time_created` format: `YYYY-MM-DD HH:MM:SS.ffffff` (UTC, no zone). */
export function mlmodelTimestamp(date: Date): string {
  const iso = date.toISOString(); // 2026-11-22T08:15:02.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}
