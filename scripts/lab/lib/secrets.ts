// Secrets the deploy generates inside the cluster when they are absent. Nothing secret is ever in git, in a
// command line or in the provisioning logs: values are generated here and sent to kubectl on stdin.
import { randomBytes } from "node:crypto";
import type { LabConfig } from "./lab-config.js";
import { LAB_OBJECTS } from "./lab-config.js";

const DB_USER = "mlflow";
const DB_NAME = "mlflow";
const POSTGRES_PORT = 5432;

/**
 * Every Secret the manifests may reference and the keys the deploy puts in it. `monitor-alerts` is created
 * empty: its key ALERT_WEBHOOK_URL is optional and set by the user (see k8s/base/monitor-cronjob.yaml).
 */
export const GENERATED_SECRETS = {
  "postgres-credentials": ["POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"],
  "mlflow-db": ["MLFLOW_BACKEND_STORE_URI"],
  "monitor-alerts": [],
} as const satisfies Record<string, readonly string[]>;

export type GeneratedSecretName = keyof typeof GENERATED_SECRETS;

export interface SecretObject {
  apiVersion: "v1";
  kind: "Secret";
  metadata: { name: GeneratedSecretName; namespace: string; labels: Record<string, string> };
  type: "Opaque";
  stringData: Record<string, string>;
}

/** 32 hex characters: URL-safe, so it can sit in the database URI unescaped. */
export function generatePassword(): string {
  return randomBytes(16).toString("hex");
}

/** The Secrets for a database password: the Postgres credentials and MLflow's backend store URI. */
export function databaseSecrets(config: LabConfig, password: string): SecretObject[] {
  const namespace = config.cluster.namespace;
  const host = `${LAB_OBJECTS.postgres}.${namespace}.svc.cluster.local`;
  return [
    secret(namespace, "postgres-credentials", {
      POSTGRES_USER: DB_USER,
      POSTGRES_PASSWORD: password,
      POSTGRES_DB: DB_NAME,
    }),
    secret(namespace, "mlflow-db", {
      MLFLOW_BACKEND_STORE_URI: `postgresql+psycopg2://${DB_USER}:${password}@${host}:${POSTGRES_PORT}/${DB_NAME}`,
    }),
  ];
}

/** The (empty) Secret the monitor reads its optional webhook URL from. */
export function monitorAlertsSecret(config: LabConfig): SecretObject {
  return secret(config.cluster.namespace, "monitor-alerts", {});
}

function secret(namespace: string, name: GeneratedSecretName, stringData: Record<string, string>): SecretObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": "spy-mlops-lab" } },
    type: "Opaque",
    stringData,
  };
}
