import { DEFAULT_FEATURE_SPEC, type FeatureSpec } from "../lib/features/spec.js";
import type { Logger } from "../lib/log.js";
import {
  formatModelUri,
  isAliasNotFound,
  isNotFound,
  MlflowUnavailableError,
  type ModelVersion,
  type RegistryApi,
} from "../lib/mlflow/index.js";
import { parseBundle, type BundleFiles, type LoadedModel } from "../lib/model/bundle.js";
import { downloadVersionBundle } from "../lib/model/registry-bundle.js";
import { BundleError, type BundleRejection } from "../lib/model/errors.js";
import { backoffMs, jittered, Repeater } from "./schedule.js";

/** The registry calls the follower needs (a subset of the MLflow client's RegistryApi). */
export type ChampionRegistry = Pick<RegistryApi, "getVersionByAlias" | "downloadVersionArtifact">;

/** A validated model version, ready to serve. */
export interface ServedModel {
  name: string;
  alias: string;
  version: string;
  /** The run that produced it, from the registry (the bundle's own record as a fallback). */
  runId: string;
  /** When the registry version was created (its `creation_timestamp`); undefined if MLflow did not say. */
  createdAt: Date | undefined;
  /** When this process finished loading it. */
  loadedAt: Date;
  /** Where the registry says the files are, e.g. `mlflow-artifacts:/1/<run>/artifacts/model`. */
  source: string | undefined;
  model: LoadedModel;
}

/** Why loading a version failed: the bundle's rejection reason, or the download itself failed (MLflow trouble). */
export type LoadFailureReason = BundleRejection | "download_failed";

export const LOAD_FAILURE_REASONS: readonly LoadFailureReason[] = [
  "missing_file",
  "corrupt_file",
  "invalid_shape",
  "feature_mismatch",
  "incompatible_spec",
  "smoke_failed",
  "download_failed",
];

/** What went wrong in the last failed refresh of the champion. */
export type ChampionErrorKind = "mlflow_unreachable" | "alias_missing" | "registry_error" | "load_failed";

export interface RefreshError {
  at: Date;
  kind: ChampionErrorKind;
  message: string;
}

/** A version that failed validation: not downloaded again before `retryAt` (exponential backoff). */
export interface RejectedVersion {
  version: string;
  reason: BundleRejection;
  message: string;
  failures: number;
  lastFailureAt: Date;
  retryAt: Date;
}

export interface ChampionStatus {
  modelUri: string;
  current: ServedModel | undefined;
  /** The version the alias named at the last successful read; undefined before one or while it is missing. */
  aliasVersion: string | undefined;
  /** False when MLflow says the alias (or the model) does not exist; undefined before the first answer. */
  aliasPresent: boolean | undefined;
  /** Whether the last call to MLflow got an answer; undefined before the first call. */
  mlflowReachable: boolean | undefined;
  lastPollAt: Date | undefined;
  /** Last time MLflow answered a call. */
  lastContactAt: Date | undefined;
  /** The most recent failure (kept after recovery; compare with `lastPollAt`). */
  lastError: RefreshError | undefined;
  rejected: RejectedVersion[];
}

export interface ChampionFollowerOptions {
  registry: ChampionRegistry;
  modelName: string;
  alias: string;
  /** Mean interval between two reads of the alias; each wait is jittered. */
  pollMs: number;
  logger: Logger;
  /** The spec the serving code computes (default DEFAULT_FEATURE_SPEC). */
  codeSpec?: FeatureSpec;
  /** Longest wait before a rejected version is downloaded again (default 1 h, at least `pollMs`). */
  maxRetryMs?: number;
  /** Called after each swap to a new version. */
  onModel?: (model: ServedModel) => void;
  /** Called for each failed load of a version. */
  onLoadFailure?: (reason: LoadFailureReason, version: string) => void;
  now?: () => Date;
  random?: () => number;
}

/**
 * Follows `models:/NAME@ALIAS`: reads the alias through the registry's alias endpoint at start and every poll
 * interval (jittered); when it names another version, downloads every bundle file through
 * `model-versions/get-artifact`, validates it (schema, feature spec against the code's, smoke prediction) and only
 * then swaps it in, in one assignment. Requests never wait for this. A broken version is rejected, logged and
 * reported through `onLoadFailure`, and the old model keeps serving; that version is retried with exponential
 * backoff, not on every poll. When MLflow is down or the alias is removed, the last model keeps serving and the
 * status says why.
 */
export class ChampionFollower {
  private readonly codeSpec: FeatureSpec;
  private readonly maxRetryMs: number;
  private readonly now: () => Date;
  private readonly repeater: Repeater;
  private readonly rejected = new Map<string, RejectedVersion>();
  private state: Omit<ChampionStatus, "modelUri" | "rejected"> = {
    current: undefined,
    aliasVersion: undefined,
    aliasPresent: undefined,
    mlflowReachable: undefined,
    lastPollAt: undefined,
    lastContactAt: undefined,
    lastError: undefined,
  };

  constructor(private readonly options: ChampionFollowerOptions) {
    this.codeSpec = options.codeSpec ?? DEFAULT_FEATURE_SPEC;
    this.maxRetryMs = Math.max(options.pollMs, options.maxRetryMs ?? 3_600_000);
    this.now = options.now ?? (() => new Date());
    const random = options.random ?? Math.random;
    this.repeater = new Repeater(
      () => this.poll(),
      () => jittered(options.pollMs, random),
      (error) => options.logger.error({ err: error, model: this.modelUri }, "champion poll failed unexpectedly"),
    );
  }

  get modelUri(): string {
    return formatModelUri({ name: this.options.modelName, alias: this.options.alias });
  }

  /** The model being served, if any. */
  get current(): ServedModel | undefined {
    return this.state.current;
  }

  /** Polls now and then every interval, in the background. */
  start(): void {
    this.repeater.start();
  }

  stop(): void {
    this.repeater.stop();
  }

  status(): ChampionStatus {
    return { modelUri: this.modelUri, ...this.state, rejected: [...this.rejected.values()] };
  }

  /** One refresh: read the alias and load the version it names if needed. Never throws. */
  async poll(): Promise<void> {
    this.state.lastPollAt = this.now();
    let target: ModelVersion;
    try {
      target = await this.options.registry.getVersionByAlias(this.options.modelName, this.options.alias);
    } catch (error) {
      this.aliasReadFailed(error);
      return;
    }
    this.contact(true);
    const version = target.version;
    if (!version) {
      this.fail("registry_error", `MLflow answered ${this.modelUri} without a version number`);
      return;
    }
    if (this.state.aliasPresent === false) {
      this.options.logger.info({ model: this.modelUri, version }, "champion alias is back");
    }
    this.state.aliasPresent = true;
    this.state.aliasVersion = version;
    if (this.state.current?.version === version) return;

    const rejected = this.rejected.get(version);
    if (rejected && this.now() < rejected.retryAt) return;
    await this.load(target, version);
  }

  private async load(target: ModelVersion, version: string): Promise<void> {
    const { logger, modelName } = this.options;
    const previous = this.state.current?.version;
    logger.info({ model: this.modelUri, version, serving: previous ?? null }, "loading champion version");
    let files: BundleFiles;
    try {
      files = await downloadVersionBundle(this.options.registry, modelName, version);
    } catch (error) {
      if (!(error instanceof BundleError)) {
        // MLflow trouble, not a broken version: retried at the next poll.
        this.contact(!(error instanceof MlflowUnavailableError));
        this.options.onLoadFailure?.("download_failed", version);
        this.fail("load_failed", `downloading version ${version} of ${modelName} failed: ${messageOf(error)}`);
        return;
      }
      this.reject(version, error);
      return;
    }
    this.contact(true);
    let model: LoadedModel;
    try {
      model = parseBundle(files, { codeSpec: this.codeSpec });
    } catch (error) {
      // Anything parseBundle did not foresee still means this bundle cannot be served.
      const rejection =
        error instanceof BundleError
          ? error
          : new BundleError("invalid_shape", `unexpected error while validating: ${messageOf(error)}`, {
              cause: error,
            });
      this.reject(version, rejection);
      return;
    }
    const served: ServedModel = {
      name: modelName,
      alias: this.options.alias,
      version,
      runId: target.run_id || model.metadata.run_id,
      createdAt: typeof target.creation_timestamp === "number" ? new Date(target.creation_timestamp) : undefined,
      loadedAt: this.now(),
      source: target.source,
      model,
    };
    this.state.current = served;
    this.rejected.delete(version);
    logger.info(
      { model: this.modelUri, version, run_id: served.runId, previous: previous ?? null, trees: model.forest.nTrees },
      "champion version loaded and swapped in",
    );
    this.options.onModel?.(served);
  }

  private reject(version: string, error: BundleError): void {
    const now = this.now();
    const failures = (this.rejected.get(version)?.failures ?? 0) + 1;
    const retryAt = new Date(now.getTime() + backoffMs(failures, this.options.pollMs * 2, this.maxRetryMs));
    this.rejected.set(version, {
      version,
      reason: error.reason,
      message: error.message,
      failures,
      lastFailureAt: now,
      retryAt,
    });
    this.options.onLoadFailure?.(error.reason, version);
    this.fail(
      "load_failed",
      `version ${version} of ${this.options.modelName} rejected (${error.reason}): ${error.message}; ` +
        `next attempt after ${retryAt.toISOString()} (failure ${failures})`,
    );
  }

  private aliasReadFailed(error: unknown): void {
    const serving = this.state.current?.version;
    const still = serving ? `; still serving version ${serving}` : "; no model to serve";
    if (isAliasNotFound(error) || isNotFound(error)) {
      this.contact(true);
      const wasPresent = this.state.aliasPresent !== false;
      this.state.aliasPresent = false;
      this.state.aliasVersion = undefined;
      // Logged when the alias disappears, not on every poll while it stays missing.
      this.fail("alias_missing", `${this.modelUri} does not exist in MLflow (${messageOf(error)})${still}`, wasPresent);
      return;
    }
    const unreachable = error instanceof MlflowUnavailableError;
    const wasReachable = this.state.mlflowReachable !== false;
    this.contact(!unreachable);
    // An outage is logged when it starts, not on every poll while it lasts.
    this.fail(
      unreachable ? "mlflow_unreachable" : "registry_error",
      `reading ${this.modelUri} failed: ${messageOf(error)}${still}`,
      !unreachable || wasReachable,
    );
  }

  private contact(reached: boolean): void {
    if (reached) {
      if (this.state.mlflowReachable === false) {
        this.options.logger.info({ model: this.modelUri }, "MLflow answers again");
      }
      this.state.lastContactAt = this.now();
    }
    this.state.mlflowReachable = reached;
  }

  private fail(kind: ChampionErrorKind, message: string, log = true): void {
    this.state.lastError = { at: this.now(), kind, message };
    if (!log) return;
    const fields = { model: this.modelUri, kind, serving: this.state.current?.version ?? null };
    if (kind === "load_failed") this.options.logger.error(fields, message);
    else this.options.logger.warn(fields, message);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
