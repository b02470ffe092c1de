export { MlflowClient, DEFAULT_TIMEOUT_MS, normalizeTrackingUri, type MlflowClientOptions } from "./client.js";
export { mlflowConnectionFromEnv, mlflowEnvSchema, type MlflowConnection } from "./env.js";
export { authorizationHeader, type MlflowAuth, type AuthKind } from "./auth.js";
export {
  MlflowApiError,
  MlflowUnavailableError,
  isAliasNotFound,
  isAlreadyExists,
  isNotFound,
  isTransient,
  parseErrorBody,
} from "./errors.js";
export { DEFAULT_RETRY, type RetryOptions } from "./retry.js";
export type { FetchLike } from "./http.js";
export { ExperimentsApi } from "./experiments.js";
export {
  RunsApi,
  LOGGED_MODELS_TAG,
  type CreateRunOptions,
  type UpdateRunOptions,
  type SearchRunsOptions,
  type RunViewType,
  type MetricInput,
  type LogBatchInput,
  type DatasetInputSpec,
} from "./runs.js";
export { ArtifactsApi, type TransferOptions } from "./artifacts.js";
export { RegistryApi, type CreateVersionOptions, type SearchVersionsOptions } from "./registry.js";
export {
  parseModelUri,
  formatModelUri,
  artifactProxyPath,
  artifactStoragePath,
  joinArtifactUri,
  checkRelativePath,
  type ModelRef,
} from "./uris.js";
export { LOG_BATCH_LIMITS, chunkLogBatch } from "./batch.js";
export { mlmodelTimestamp, type MlModel } from "./mlmodel.js";
export { CLIENT_REQUEST_ID_TAG, toKeyValues, fromKeyValues } from "./tags.js";
export type * from "./types.js";
