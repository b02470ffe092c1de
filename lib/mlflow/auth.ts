import { ConfigError } from "../config.js";

/** Credentials for MLflow: HTTP basic (`--app-name basic-auth`) or a bearer token (reverse proxies, managed MLflow). */
export type MlflowAuth = { type: "basic"; username: string; password: string } | { type: "bearer"; token: string };

export type AuthKind = MlflowAuth["type"];

/** The `Authorization` header value for the credentials, or undefined without credentials. */
export function authorizationHeader(auth: MlflowAuth | undefined): string | undefined {
  if (!auth) return undefined;
  if (auth.type === "bearer") {
    if (auth.token.trim() === "") throw new ConfigError("MLflow bearer token is empty: set MLFLOW_TRACKING_TOKEN");
    return `Bearer ${auth.token.trim()}`;
  }
  if (auth.username === "") throw new ConfigError("MLflow username is empty: set MLFLOW_TRACKING_USERNAME");
  if (auth.username.includes(":")) {
    throw new ConfigError("MLFLOW_TRACKING_USERNAME must not contain ':' (HTTP basic auth cannot carry it)");
  }
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, "utf8").toString("base64")}`;
}
