import { ConfigError } from "../config.js";

/** A registered model version named by alias (`models:/NAME@ALIAS`) or by number (`models:/NAME/VERSION`). */
export type ModelRef =
  { name: string; alias: string; version?: undefined } | { name: string; version: string; alias?: undefined };

const MODEL_URI_HELP = 'expected "models:/NAME@ALIAS" (e.g. models:/spy-direction@champion) or "models:/NAME/VERSION"';

/**
 * Parses `models:/NAME@ALIAS` and `models:/NAME/VERSION` the way MLflow does (`_parse_model_uri`). Stage, `latest`
 * and LoggedModel-id URIs are rejected: this project routes by alias only.
 */
export function parseModelUri(uri: string): ModelRef {
  const fail = (why: string): never => {
    throw new ConfigError(`invalid model URI "${uri}": ${why}; ${MODEL_URI_HELP}`);
  };
  if (!uri.startsWith("models:/") || uri.startsWith("models://")) fail("it must start with models:/");
  const path = uri.slice("models:/".length);
  if (path.includes("?") || path.includes("#")) fail("query strings and fragments are not allowed");
  const parts = path.split("/");
  if (parts.length > 2 || (parts[0] ?? "").trim() === "") fail("the model name is missing or the path is too deep");
  const [first = "", second] = parts;
  if (second !== undefined) {
    if (!/^\d+$/.test(second)) fail(`"${second}" is not a version number (stages and "latest" are not supported)`);
    return { name: first, version: second.replace(/^0+(?=\d)/, "") };
  }
  const at = first.lastIndexOf("@");
  if (at < 0) fail("it names neither an alias nor a version");
  const name = first.slice(0, at);
  const alias = first.slice(at + 1);
  if (name.trim() === "" || alias.trim() === "") fail("the name or the alias is empty");
  return { name, alias };
}

/** The canonical URI of a model reference. */
export function formatModelUri(ref: ModelRef): string {
  return ref.alias !== undefined ? `models:/${ref.name}@${ref.alias}` : `models:/${ref.name}/${ref.version}`;
}

const PROXY_ANCHOR = "/api/2.0/mlflow-artifacts/artifacts/";

/**
 * The path of an artifact under the server's artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/<path>`), derived
 * from a run's `artifact_uri` like MLflow's `_get_proxied_run_artifact_destination_path`: for `mlflow-artifacts:` URIs
 * the URI path without any `//host:port` and leading `/`; for http(s) URIs the part after the proxy route. Each
 * segment is URL-encoded. Any other URI (a local path, `file:`, `s3:`) is not reachable through the proxy.
 */
export function artifactProxyPath(artifactUri: string, relativePath = ""): string {
  return artifactStoragePath(artifactUri, relativePath)
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
}

/** The same path before URL-encoding, as the proxy's list endpoint takes it in its `path` query parameter. */
export function artifactStoragePath(artifactUri: string, relativePath = ""): string {
  const root = proxiedRoot(artifactUri);
  const relative = checkRelativePath(relativePath);
  return [...root.split("/"), ...relative.split("/")].filter((segment) => segment !== "").join("/");
}

/** `artifactUri` joined with a run-relative path, e.g. the model version source `mlflow-artifacts:/1/<run>/artifacts/model`. */
export function joinArtifactUri(artifactUri: string, relativePath: string): string {
  const relative = checkRelativePath(relativePath);
  return relative === "" ? artifactUri : `${artifactUri.replace(/\/+$/, "")}/${relative}`;
}

/**
 * Validates a path relative to an artifact root: `/`-separated, no leading `/`, no `.`/`..`/empty segment,
 * no backslash or NUL. Returns it without a trailing `/`.
 */
export function checkRelativePath(relativePath: string): string {
  const path = relativePath.replace(/\/+$/, "");
  if (path === "") return "";
  const bad =
    path.startsWith("/") ||
    path.includes("\\") ||
    path.includes("\0") ||
    path.split("/").some((segment) => segment === "" || segment === "." || segment === "..");
  if (bad) {
    throw new ConfigError(
      `invalid artifact path "${relativePath}": use a relative path like "model/MLmodel" (no leading "/", no "." or ".." segments)`,
    );
  }
  return path;
}

function proxiedRoot(artifactUri: string): string {
  if (artifactUri.startsWith("mlflow-artifacts:")) {
    let rest = artifactUri.slice("mlflow-artifacts:".length).replace(/[?#].*$/, "");
    if (rest.startsWith("//")) {
      const slash = rest.indexOf("/", 2);
      rest = slash < 0 ? "" : rest.slice(slash);
    }
    return rest.replace(/^\/+/, "");
  }
  if (/^https?:\/\//i.test(artifactUri)) {
    const pathname = new URL(artifactUri).pathname;
    const index = pathname.indexOf(PROXY_ANCHOR);
    if (index >= 0) {
      return pathname
        .slice(index + PROXY_ANCHOR.length)
        .split("/")
        .map((segment) => decodeURIComponent(segment))
        .join("/");
    }
  }
  throw new ConfigError(
    `artifact URI "${artifactUri}" cannot be reached through the MLflow artifact proxy: start the server with ` +
      `--artifacts-destination and without --default-artifact-root, so runs get mlflow-artifacts:/ URIs`,
  );
}
