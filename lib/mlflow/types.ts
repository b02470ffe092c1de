/**
 * MLflow entities exactly as the REST API returns them (snake_case, see the MLflow REST API docs).
 * MLflow omits empty lists and unset fields, so every field is optional. Timestamps are milliseconds since
 * the epoch; ids and model versions are strings.
 */

export interface KeyValue {
  key: string;
  value: string;
}

export type LifecycleStage = "active" | "deleted";

export interface Experiment {
  experiment_id?: string;
  name?: string;
  artifact_location?: string;
  lifecycle_stage?: LifecycleStage;
  creation_time?: number;
  last_update_time?: number;
  tags?: KeyValue[];
}

export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";

export interface RunInfo {
  run_id?: string;
  /** Deprecated duplicate of run_id. */
  run_uuid?: string;
  run_name?: string;
  experiment_id?: string;
  user_id?: string;
  status?: RunStatus;
  start_time?: number;
  end_time?: number;
  /** Root of the run's artifacts, e.g. `mlflow-artifacts:/1/<run_id>/artifacts`. */
  artifact_uri?: string;
  lifecycle_stage?: LifecycleStage;
}

export interface Metric {
  key?: string;
  /** NaN comes back as the string "NaN"; ±Infinity as ±1.7976931348623157e308 (the largest double). */
  value?: number | "NaN" | "Infinity" | "-Infinity";
  timestamp?: number;
  step?: number;
}

export interface RunData {
  /** The latest value of each metric. */
  metrics?: Metric[];
  params?: KeyValue[];
  tags?: KeyValue[];
}

export interface Dataset {
  name?: string;
  digest?: string;
  source_type?: string;
  /** JSON string. */
  source?: string;
  /** JSON string. */
  schema?: string;
  /** JSON string. */
  profile?: string;
}

export interface DatasetInput {
  tags?: KeyValue[];
  dataset?: Dataset;
}

export interface RunInputs {
  dataset_inputs?: DatasetInput[];
  model_inputs?: { model_id?: string }[];
}

export interface RunOutputs {
  model_outputs?: { model_id?: string; step?: number }[];
}

export interface Run {
  info?: RunInfo;
  data?: RunData;
  inputs?: RunInputs;
  outputs?: RunOutputs;
}

export interface FileInfo {
  /** Path relative to the artifact URI it was listed under (e.g. `model/MLmodel`). */
  path?: string;
  is_dir?: boolean;
  file_size?: number;
}

export type ModelVersionStatus = "PENDING_REGISTRATION" | "FAILED_REGISTRATION" | "READY";

export interface ModelVersion {
  name?: string;
  version?: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: string;
  /** Always "None" since stages were deprecated for aliases. */
  current_stage?: string;
  description?: string;
  source?: string;
  run_id?: string;
  status?: ModelVersionStatus;
  status_message?: string;
  tags?: KeyValue[];
  run_link?: string;
  /** Filled by get-by-alias and model-versions/get; may be missing from search results. */
  aliases?: string[];
  model_id?: string;
}

export interface RegisteredModel {
  name?: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: string;
  description?: string;
  latest_versions?: ModelVersion[];
  tags?: KeyValue[];
  aliases?: { alias?: string; version?: string }[];
}

/** One page of a paginated search. */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}
