// What the lab asks MLflow and the API about the champion: which version the alias names, and whether the API
// serves that version yet.
import { setTimeout as sleep } from "node:timers/promises";
import { isAliasNotFound, isNotFound, type MlflowClient, type ModelVersion } from "../../lib/mlflow/index.js";

/** The version `models:/NAME@ALIAS` names, or undefined when the model or the alias does not exist yet. */
export async function readChampion(
  client: MlflowClient,
  model: string,
  alias: string,
): Promise<ModelVersion | undefined> {
  try {
    return await client.registry.getVersionByAlias(model, alias);
  } catch (error) {
    if (isAliasNotFound(error) || isNotFound(error)) return undefined;
    throw error;
  }
}

/** The part of the API's GET /healthz the lab reads. */
export interface ApiHealth {
  ready: boolean;
  not_ready_reasons?: string[];
  model: { version: string } | null;
  data: { as_of: string; for_date: string } | null;
}

/** GET /healthz, or undefined when the API does not answer (yet). */
export async function fetchApiHealth(apiUrl: string): Promise<ApiHealth | undefined> {
  try {
    const response = await fetch(`${apiUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok && response.status !== 503) {
      await response.body?.cancel();
      return undefined;
    }
    return (await response.json()) as ApiHealth;
  } catch {
    return undefined;
  }
}

export interface WaitForServingOptions {
  /** Stop waiting (resolves undefined) when this resolves, e.g. when the API exits. */
  abort?: Promise<unknown>;
  intervalMs?: number;
  /** Called every `reportEveryMs` while waiting, with the last health answer. */
  onWaiting?: (health: ApiHealth | undefined) => void;
  reportEveryMs?: number;
}

/** Waits until the API is ready and serves `version`; resolves with its health, or undefined when aborted. */
export async function waitForServing(
  apiUrl: string,
  version: string,
  options: WaitForServingOptions = {},
): Promise<ApiHealth | undefined> {
  let aborted = false;
  void options.abort?.then(() => (aborted = true));
  const intervalMs = options.intervalMs ?? 250;
  const reportEveryMs = options.reportEveryMs ?? 30_000;
  let lastReport = performance.now();
  while (!aborted) {
    const health = await fetchApiHealth(apiUrl);
    if (health?.ready && health.model?.version === version) return health;
    if (performance.now() - lastReport >= reportEveryMs) {
      lastReport = performance.now();
      options.onWaiting?.(health);
    }
    await sleep(intervalMs);
  }
  return undefined;
}
