// The champion as MLflow sees it, through the shared REST client (lib/mlflow) and the UI NodePort.
import { isAliasNotFound, isNotFound, MlflowClient } from "../../../lib/mlflow/index.js";

export interface Champion {
  version: string;
  runId: string | undefined;
}

/** A client for the lab's MLflow (no retries: callers poll). */
export function labMlflowClient(trackingUri: string): MlflowClient {
  return new MlflowClient({ trackingUri, timeoutMs: 10_000, retry: { retries: 0 } });
}

/** The version `MODEL@alias` points to, or null when the model or the alias does not exist yet. */
export async function findAliasVersion(client: MlflowClient, model: string, alias: string): Promise<Champion | null> {
  try {
    const version = await client.registry.getVersionByAlias(model, alias);
    if (!version.version) return null;
    return { version: version.version, runId: version.run_id };
  } catch (error) {
    if (isAliasNotFound(error) || isNotFound(error)) return null;
    throw error;
  }
}
