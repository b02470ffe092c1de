import type { RefreshError } from "./champion.js";
import type { ServingView } from "./serving.js";
import { API_VERSION } from "./version.js";

/**
 * "ok": ready and every refresh is fine; "degraded": serving, but MLflow is unreachable, the alias is missing, the
 * version it names was rejected or the market data cannot be refreshed; "not_ready": no prediction can be answered.
 */
export type HealthStatus = "ok" | "degraded" | "not_ready";

/** The body of GET /healthz. */
export interface HealthReport {
  status: HealthStatus;
  ready: boolean;
  /** Why predictions answer 503 (empty when ready). */
  not_ready_reasons: string[];
  api_version: string;
  started_at: string;
  model: {
    uri: string;
    name: string;
    alias: string;
    version: string;
    run_id: string;
    source: string | null;
    created_at: string | null;
    loaded_at: string;
    trees: number;
  } | null;
  model_refresh: {
    alias_present: boolean | null;
    alias_version: string | null;
    last_poll_at: string | null;
    last_error: { at: string; kind: string; message: string } | null;
    rejected_versions: {
      version: string;
      reason: string;
      message: string;
      failures: number;
      last_failure_at: string;
      retry_at: string;
    }[];
  };
  data: {
    as_of: string;
    for_date: string;
    bars: number;
    first_date: string;
    source: string;
  } | null;
  data_refresh: {
    last_attempt_at: string | null;
    last_success_at: string | null;
    consecutive_failures: number;
    last_error: { at: string; message: string } | null;
  };
  mlflow: {
    tracking_uri: string;
    /** Whether the last call got an answer; null before the first call. */
    reachable: boolean | null;
    last_contact_at: string | null;
  };
}

const iso = (date: Date | undefined): string | null => (date ? date.toISOString() : null);

function errorJson(error: RefreshError | undefined): HealthReport["model_refresh"]["last_error"] {
  return error ? { at: error.at.toISOString(), kind: error.kind, message: error.message } : null;
}

/** A snapshot of everything an operator asks first: what is served, since when, and what is failing. */
export function buildHealthReport(view: ServingView): HealthReport {
  const champion = view.champion();
  const market = view.marketData();
  const readiness = view.readiness();
  const current = champion.current;
  const snapshot = market.current;
  const degraded =
    champion.mlflowReachable === false ||
    champion.aliasPresent === false ||
    champion.rejected.some((rejected) => rejected.version === champion.aliasVersion) ||
    market.consecutiveFailures > 0;
  return {
    status: !readiness.ready ? "not_ready" : degraded ? "degraded" : "ok",
    ready: readiness.ready,
    not_ready_reasons: readiness.reasons,
    api_version: API_VERSION,
    started_at: view.startedAt.toISOString(),
    model: current
      ? {
          uri: champion.modelUri,
          name: current.name,
          alias: current.alias,
          version: current.version,
          run_id: current.runId,
          source: current.source ?? null,
          created_at: iso(current.createdAt),
          loaded_at: current.loadedAt.toISOString(),
          trees: current.model.forest.nTrees,
        }
      : null,
    model_refresh: {
      alias_present: champion.aliasPresent ?? null,
      alias_version: champion.aliasVersion ?? null,
      last_poll_at: iso(champion.lastPollAt),
      last_error: errorJson(champion.lastError),
      rejected_versions: champion.rejected.map((rejected) => ({
        version: rejected.version,
        reason: rejected.reason,
        message: rejected.message,
        failures: rejected.failures,
        last_failure_at: rejected.lastFailureAt.toISOString(),
        retry_at: rejected.retryAt.toISOString(),
      })),
    },
    data: snapshot
      ? {
          as_of: snapshot.asOf,
          for_date: snapshot.forDate,
          bars: snapshot.bars,
          first_date: snapshot.firstDate,
          source: snapshot.source,
        }
      : null,
    data_refresh: {
      last_attempt_at: iso(market.lastAttemptAt),
      last_success_at: iso(market.lastSuccessAt),
      consecutive_failures: market.consecutiveFailures,
      last_error: market.lastError
        ? { at: market.lastError.at.toISOString(), message: market.lastError.message }
        : null,
    },
    mlflow: {
      tracking_uri: view.trackingUri,
      reachable: champion.mlflowReachable ?? null,
      last_contact_at: iso(champion.lastContactAt),
    },
  };
}
