// The champion as MLflow sees it, through the shared REST client (lib/mlflow) and the UI NodePort.
import { isAliasNotFound, isNotFound, MlflowClient } from "../../../lib/mlflow/index.js";
import type { Kubectl } from "./kubectl.js";
import { LAB_OBJECTS } from "./lab-config.js";

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

/** The registered model and the alias the lab serves, as the cluster's settings ConfigMap says. */
export async function servedModel(kubectl: Kubectl, namespace: string): Promise<{ model: string; alias: string }> {
  const configMap = LAB_OBJECTS.settingsConfigMap;
  const settings = await kubectl.json<{ data?: Record<string, string> }>([
    "-n",
    namespace,
    "get",
    "configmap",
    configMap,
  ]);
  const model = settings.data?.MODEL_NAME;
  const alias = settings.data?.MODEL_ALIAS;
  if (!model || !alias) throw new Error(`ConfigMap ${configMap} lacks MODEL_NAME or MODEL_ALIAS`);
  return { model, alias };
}
