import { randomUUID } from "node:crypto";
import { chunkLogBatch, wireMetricValue, type WireMetric } from "./batch.js";
import type { MlflowHttp } from "./http.js";
import type { MlModel } from "./mlmodel.js";
import { CLIENT_REQUEST_ID_TAG, fromKeyValues, toKeyValues } from "./tags.js";
import type { Metric, Page, Run, RunInfo, RunStatus } from "./types.js";

const API = "/api/2.0/mlflow";

/** Run tag where `runs/log-model` appends the logged MLmodel documents (drives the UI's model panel). */
export const LOGGED_MODELS_TAG = "mlflow.log-model.history";

export interface CreateRunOptions {
  experimentId: string;
  runName?: string;
  /** Milliseconds since the epoch; default now (MLflow would store 0). */
  startTime?: number;
  tags?: Record<string, string>;
}

export interface UpdateRunOptions {
  status?: RunStatus;
  /** Milliseconds since the epoch. */
  endTime?: number;
  runName?: string;
}

export type RunViewType = "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";

export interface SearchRunsOptions {
  experimentIds: readonly string[];
  /** MLflow search syntax, e.g. `metrics.accuracy > 0.5 and tags.as_of = '2023-09-29'`. */
  filter?: string;
  /** e.g. `["attributes.start_time DESC"]`. */
  orderBy?: readonly string[];
  runViewType?: RunViewType;
  /** Page size (server default 1000, maximum 50000). */
  maxResults?: number;
  pageToken?: string;
}

export interface MetricInput {
  key: string;
  value: number;
  /** Default 0. */
  step?: number;
  /** Milliseconds since the epoch; default: the time of the `logBatch` call. */
  timestamp?: number;
}

export interface LogBatchInput {
  params?: Readonly<Record<string, string | number | boolean>>;
  metrics?: readonly MetricInput[];
  tags?: Readonly<Record<string, string>>;
}

export interface DatasetInputSpec {
  name: string;
  /** Short content hash (MLflow keeps at most 36 characters). */
  digest: string;
  /** e.g. "local", "http". */
  sourceType: string;
  /** Where the data came from, e.g. `{ uri: "file:///data/spy-daily.csv" }` (sent as a JSON string). */
  source: string | Record<string, unknown>;
  /** e.g. `{ mlflow_colspec: [...] }` (sent as a JSON string). */
  schema?: string | Record<string, unknown>;
  /** e.g. `{ num_rows: 500 }` (sent as a JSON string). */
  profile?: string | Record<string, unknown>;
  /** Sent as the input tag `mlflow.data.context`, e.g. "training" or "evaluation". */
  context?: string;
  tags?: Record<string, string>;
}

/** Runs: create, update, get, search, log-batch, log-inputs, log-model, set-tag, metric history. */
export class RunsApi {
  constructor(private readonly http: MlflowHttp) {}

  /**
   * Creates a run (status RUNNING). Not idempotent: the run carries a unique `client_request_id` tag, and after an
   * ambiguous failure the client searches for that tag before it would create the run again.
   */
  async create(options: CreateRunOptions): Promise<Run> {
    const requestId = randomUUID();
    const tags = { ...options.tags, [CLIENT_REQUEST_ID_TAG]: requestId };
    const answer = await this.http.json<{ run?: Run }>({
      method: "POST",
      path: `${API}/runs/create`,
      json: {
        experiment_id: options.experimentId,
        run_name: options.runName,
        start_time: options.startTime ?? Date.now(),
        tags: toKeyValues(tags),
      },
      mode: "non-idempotent",
      recover: async () => {
        const page = await this.search({
          experimentIds: [options.experimentId],
          filter: `tags.${CLIENT_REQUEST_ID_TAG} = '${requestId}'`,
          runViewType: "ALL",
          maxResults: 1,
        });
        return page.items[0] ? { run: page.items[0] } : undefined;
      },
    });
    if (!answer.run?.info?.run_id) throw new Error("MLflow created a run but returned no run id");
    return answer.run;
  }

  /** Sets the status, end time or name of a run. */
  async update(runId: string, options: UpdateRunOptions): Promise<RunInfo> {
    const answer = await this.http.json<{ run_info?: RunInfo }>({
      method: "POST",
      path: `${API}/runs/update`,
      json: { run_id: runId, status: options.status, end_time: options.endTime, run_name: options.runName },
    });
    return answer.run_info ?? {};
  }

  async get(runId: string): Promise<Run> {
    const answer = await this.http.json<{ run?: Run }>({
      method: "GET",
      path: `${API}/runs/get`,
      query: { run_id: runId },
    });
    return answer.run ?? {};
  }

  /** One page of runs. */
  async search(options: SearchRunsOptions): Promise<Page<Run>> {
    const answer = await this.http.json<{ runs?: Run[]; next_page_token?: string }>({
      method: "POST",
      path: `${API}/runs/search`,
      json: {
        experiment_ids: options.experimentIds,
        filter: options.filter,
        order_by: options.orderBy,
        run_view_type: options.runViewType,
        max_results: options.maxResults,
        page_token: options.pageToken,
      },
    });
    return { items: answer.runs ?? [], nextPageToken: answer.next_page_token || undefined };
  }

  /** Every matching run, following the page tokens (stops after `limit` runs if given). */
  async searchAll(options: Omit<SearchRunsOptions, "pageToken">, limit = Infinity): Promise<Run[]> {
    const runs: Run[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.search({ ...options, pageToken });
      runs.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken && runs.length < limit);
    return runs.slice(0, limit);
  }

  /**
   * Logs params, metrics and tags in as many requests as the server's limits require (params first). Metrics
   * without a timestamp get the time of this call, fixed before the first request: a re-sent request then carries
   * identical (key, value, timestamp, step) points, which MLflow's SQL stores deduplicate, identical params are
   * accepted again and tags are upserts, so retries do not duplicate anything.
   */
  async logBatch(runId: string, input: LogBatchInput): Promise<void> {
    const now = Date.now();
    const metrics: WireMetric[] = (input.metrics ?? []).map((metric) => ({
      key: metric.key,
      value: wireMetricValue(metric.value),
      timestamp: metric.timestamp ?? now,
      step: metric.step ?? 0,
    }));
    const chunks = chunkLogBatch({ params: toKeyValues(input.params), metrics, tags: toKeyValues(input.tags) });
    for (const chunk of chunks) {
      await this.http.json({ method: "POST", path: `${API}/runs/log-batch`, json: { run_id: runId, ...chunk } });
    }
  }

  /** Records datasets as inputs of the run (MLflow deduplicates by name + digest, so this is safe to repeat). */
  async logInputs(runId: string, datasets: readonly DatasetInputSpec[]): Promise<void> {
    const json = (value: string | Record<string, unknown> | undefined): string | undefined =>
      value === undefined || typeof value === "string" ? value : JSON.stringify(value);
    await this.http.json({
      method: "POST",
      path: `${API}/runs/log-inputs`,
      json: {
        run_id: runId,
        datasets: datasets.map((spec) => ({
          tags: toKeyValues({ ...spec.tags, ...(spec.context ? { "mlflow.data.context": spec.context } : {}) }),
          dataset: {
            name: spec.name,
            digest: spec.digest,
            source_type: spec.sourceType,
            source: json(spec.source),
            schema: json(spec.schema),
            profile: json(spec.profile),
          },
        })),
      },
    });
  }

  /**
   * Records an MLmodel document on the run (appended to the `mlflow.log-model.history` tag; the run must be active).
   * A `model_uuid` is added if missing; after an ambiguous failure the client looks for it in the run's history
   * instead of appending the model twice.
   */
  async logModel(runId: string, mlmodel: MlModel): Promise<void> {
    const model: MlModel = { ...mlmodel, model_uuid: mlmodel.model_uuid ?? randomUUID().replace(/-/g, "") };
    await this.http.json<object>({
      method: "POST",
      path: `${API}/runs/log-model`,
      json: { run_id: runId, model_json: JSON.stringify(model) },
      mode: "non-idempotent",
      recover: async () => {
        const history = fromKeyValues((await this.get(runId)).data?.tags)[LOGGED_MODELS_TAG];
        const entries = history ? (JSON.parse(history) as { model_uuid?: string }[]) : [];
        return entries.some((entry) => entry.model_uuid === model.model_uuid) ? {} : undefined;
      },
    });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.http.json({ method: "POST", path: `${API}/runs/set-tag`, json: { run_id: runId, key, value } });
  }

  /** Every logged point of one metric. */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const metrics: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const answer = await this.http.json<{ metrics?: Metric[]; next_page_token?: string }>({
        method: "GET",
        path: `${API}/metrics/get-history`,
        query: { run_id: runId, metric_key: key, page_token: pageToken },
      });
      metrics.push(...(answer.metrics ?? []));
      pageToken = answer.next_page_token || undefined;
    } while (pageToken);
    return metrics;
  }
}
