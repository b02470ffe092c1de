import { randomUUID } from "node:crypto";
import { isAlreadyExists } from "./errors.js";
import type { MlflowHttp } from "./http.js";
import { CLIENT_REQUEST_ID_TAG, fromKeyValues, toKeyValues } from "./tags.js";
import type { ModelVersion, RegisteredModel } from "./types.js";
import { checkRelativePath, parseModelUri } from "./uris.js";

const API = "/api/2.0/mlflow";

export interface CreateVersionOptions {
  name: string;
  /** Where the model files are, e.g. the run's `artifact_uri + "/model"` (never `runs:/`, which is stored verbatim). */
  source: string;
  /** The run that produced it (links the version to the run in the UI). */
  runId?: string;
  tags?: Record<string, string>;
  description?: string;
}

export interface SearchVersionsOptions {
  /** e.g. `name = 'spy-direction'`, `run_id = '...'`, `tags.promoted = 'true'`. */
  filter?: string;
  /** Default `["version_number DESC"]` (MLflow's own default order is by last update). */
  orderBy?: readonly string[];
  /** Most versions returned in total; default all. */
  maxResults?: number;
  /** Versions per request (default 1000). */
  pageSize?: number;
}

/** Registered models, versions, tags and aliases; `models:/` URIs. */
export class RegistryApi {
  constructor(private readonly http: MlflowHttp) {}

  /** Creates the registered model, or returns the existing one with that name. */
  async createModel(
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<RegisteredModel> {
    try {
      const answer = await this.http.json<{ registered_model?: RegisteredModel }>({
        method: "POST",
        path: `${API}/registered-models/create`,
        json: { name, description: options.description, tags: toKeyValues(options.tags) },
      });
      return answer.registered_model ?? { name };
    } catch (error) {
      if (isAlreadyExists(error)) return this.getModel(name);
      throw error;
    }
  }

  /** The registered model; a missing model fails with `isNotFound`. */
  async getModel(name: string): Promise<RegisteredModel> {
    const answer = await this.http.json<{ registered_model?: RegisteredModel }>({
      method: "GET",
      path: `${API}/registered-models/get`,
      query: { name },
    });
    return answer.registered_model ?? {};
  }

  /** Deletes the model with all its versions and aliases. */
  async deleteModel(name: string): Promise<void> {
    await this.http.json({ method: "DELETE", path: `${API}/registered-models/delete`, json: { name } });
  }

  /**
   * Registers a new version and returns it as the server created it (use its `version`; never search for it).
   * Not idempotent: the version carries a unique `client_request_id` tag, and after an ambiguous failure the
   * client looks for that tag before it would register a second version.
   */
  async createVersion(options: CreateVersionOptions): Promise<ModelVersion> {
    const requestId = randomUUID();
    const answer = await this.http.json<{ model_version?: ModelVersion }>({
      method: "POST",
      path: `${API}/model-versions/create`,
      json: {
        name: options.name,
        source: options.source,
        run_id: options.runId,
        description: options.description,
        tags: toKeyValues({ ...options.tags, [CLIENT_REQUEST_ID_TAG]: requestId }),
      },
      mode: "non-idempotent",
      recover: async () => {
        const filter = options.runId ? `run_id = ${sqlString(options.runId)}` : `name = ${sqlString(options.name)}`;
        const versions = await this.searchVersions({ filter });
        const found = versions.find(
          (version) =>
            version.name === options.name && fromKeyValues(version.tags)[CLIENT_REQUEST_ID_TAG] === requestId,
        );
        return found ? { model_version: found } : undefined;
      },
    });
    if (!answer.model_version?.version) throw new Error(`MLflow registered "${options.name}" but returned no version`);
    return answer.model_version;
  }

  /** One version; a missing model or version fails with `isNotFound`. */
  async getVersion(name: string, version: string): Promise<ModelVersion> {
    const answer = await this.http.json<{ model_version?: ModelVersion }>({
      method: "GET",
      path: `${API}/model-versions/get`,
      query: { name, version },
    });
    return answer.model_version ?? {};
  }

  /** Matching versions in a defined order (always sends `order_by`), following the page tokens. */
  async searchVersions(options: SearchVersionsOptions = {}): Promise<ModelVersion[]> {
    const limit = options.maxResults ?? Infinity;
    const versions: ModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const answer = await this.http.json<{ model_versions?: ModelVersion[]; next_page_token?: string }>({
        method: "GET",
        path: `${API}/model-versions/search`,
        query: {
          filter: options.filter,
          order_by: options.orderBy ?? ["version_number DESC"],
          max_results: Math.min(options.pageSize ?? 1000, limit - versions.length),
          page_token: pageToken,
        },
      });
      versions.push(...(answer.model_versions ?? []));
      pageToken = answer.next_page_token || undefined;
    } while (pageToken && versions.length < limit);
    return versions.slice(0, limit);
  }

  async setVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.http.json({
      method: "POST",
      path: `${API}/model-versions/set-tag`,
      json: { name, version, key, value },
    });
  }

  /** Deletes a version (and the aliases pointing to it). */
  async deleteVersion(name: string, version: string): Promise<void> {
    await this.http.json({ method: "DELETE", path: `${API}/model-versions/delete`, json: { name, version } });
  }

  /** Points the alias at the version (creates or moves it; last writer wins). */
  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.http.json({ method: "POST", path: `${API}/registered-models/alias`, json: { name, alias, version } });
  }

  /**
   * The version the alias points to. A missing alias fails with `isAliasNotFound` (400 INVALID_PARAMETER_VALUE),
   * a missing model with `isNotFound`.
   */
  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const answer = await this.http.json<{ model_version?: ModelVersion }>({
      method: "GET",
      path: `${API}/registered-models/alias`,
      query: { name, alias },
    });
    return answer.model_version ?? {};
  }

  /** Removes the alias (no-op if it is not set). */
  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.http.json({ method: "DELETE", path: `${API}/registered-models/alias`, json: { name, alias } });
  }

  /** One file of a version's model directory (resolved by the server from the version's source). */
  async downloadVersionArtifact(name: string, version: string, path: string): Promise<Uint8Array> {
    return this.http.bytes({
      method: "GET",
      path: "/model-versions/get-artifact",
      query: { name, version, path: checkRelativePath(path) },
    });
  }

  /** The version a `models:/NAME@ALIAS` or `models:/NAME/VERSION` URI names. */
  async resolveModelUri(uri: string): Promise<ModelVersion> {
    const ref = parseModelUri(uri);
    return ref.alias !== undefined
      ? this.getVersionByAlias(ref.name, ref.alias)
      : this.getVersion(ref.name, ref.version);
  }
}

/** A quoted string literal for MLflow's search filters. */
function sqlString(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new RangeError(`cannot quote ${JSON.stringify(value)} in an MLflow search filter`);
}
