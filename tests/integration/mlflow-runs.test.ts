import { beforeAll, describe, expect, it } from "vitest";
import {
  CLIENT_REQUEST_ID_TAG,
  LOGGED_MODELS_TAG,
  MlflowApiError,
  fromKeyValues,
  mlmodelTimestamp,
  type MlModel,
} from "../../lib/mlflow/index.js";
import { instrumentedFetch, testClient, uniqueName } from "../helpers/mlflow.js";

let experimentId: string;

beforeAll(async () => {
  experimentId = (await testClient().experiments.getOrCreate(uniqueName("runs"))).experiment_id!;
});

async function newRun(tags: Record<string, string> = {}): Promise<string> {
  const run = await testClient().runs.create({ experimentId, tags });
  return run.info!.run_id!;
}

describe("runs against a real MLflow server", () => {
  it("when a run is created, then it is RUNNING with its name, tags, start time and a proxied artifact URI", async () => {
    const mlflow = testClient();
    const before = Date.now();

    const run = await mlflow.runs.create({ experimentId, runName: "train-2023-09-29", tags: { as_of: "2023-09-29" } });
    const fetched = await mlflow.runs.get(run.info!.run_id!);

    expect(fetched.info).toMatchObject({
      run_id: run.info!.run_id,
      run_name: "train-2023-09-29",
      experiment_id: experimentId,
      status: "RUNNING",
      artifact_uri: `mlflow-artifacts:/${experimentId}/${run.info!.run_id}/artifacts`,
    });
    expect(fetched.info!.start_time).toBeGreaterThanOrEqual(before - 1000);
    const tags = fromKeyValues(fetched.data?.tags);
    expect(tags.as_of).toBe("2023-09-29");
    expect(tags[CLIENT_REQUEST_ID_TAG]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("when a run is updated, then its status, end time and name change", async () => {
    const mlflow = testClient();
    const runId = await newRun();
    const endTime = Date.now();

    const info = await mlflow.runs.update(runId, { status: "FINISHED", endTime, runName: "renamed" });
    const fetched = await mlflow.runs.get(runId);

    expect(info.status).toBe("FINISHED");
    expect(fetched.info).toMatchObject({ status: "FINISHED", end_time: endTime, run_name: "renamed" });
  });

  it("when a batch exceeds every server limit, then it is chunked and everything arrives", async () => {
    const recorder = instrumentedFetch();
    const mlflow = testClient({ fetch: recorder.fetch });
    const runId = await newRun();
    const params = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`param_${i}`, i]));
    const tags = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`tag_${i}`, `value ${i}`]));
    const metrics = Array.from({ length: 2500 }, (_, i) => ({
      key: `fold_${i % 5}_loss`,
      value: i / 1000,
      step: Math.floor(i / 5),
      timestamp: 1_700_000_000_000 + i,
    }));

    await mlflow.runs.logBatch(runId, { params, metrics, tags });

    expect(recorder.count("/runs/log-batch")).toBeGreaterThanOrEqual(3);
    expect(recorder.calls.every((call) => call.outcome === 200)).toBe(true);
    const data = (await mlflow.runs.get(runId)).data!;
    expect(fromKeyValues(data.params)).toEqual(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, `${v}`])));
    expect(fromKeyValues(data.tags)).toMatchObject(tags);
    const history = await mlflow.runs.getMetricHistory(runId, "fold_3_loss");
    expect(history).toHaveLength(500);
    expect(history.map((point) => point.step).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 500 }, (_, i) => i),
    );
    expect(history.find((point) => point.step === 0)).toMatchObject({ value: 0.003, timestamp: 1_700_000_000_003 });
  });

  it("when the same batch is sent twice, then no metric point is duplicated and params are accepted again", async () => {
    const mlflow = testClient();
    const runId = await newRun();
    const batch = {
      params: { n_estimators: 50 },
      metrics: [
        { key: "accuracy", value: 0.51, step: 0, timestamp: 1_700_000_000_000 },
        { key: "accuracy", value: 0.53, step: 1, timestamp: 1_700_000_000_001 },
      ],
      tags: { stage: "eval" },
    };

    await mlflow.runs.logBatch(runId, batch);
    await mlflow.runs.logBatch(runId, batch);

    expect(await mlflow.runs.getMetricHistory(runId, "accuracy")).toHaveLength(2);
    expect(fromKeyValues((await mlflow.runs.get(runId)).data?.params)).toEqual({ n_estimators: "50" });
  });

  it("when a param is re-logged with another value, then the 400 fails at once without a retry", async () => {
    const recorder = instrumentedFetch();
    const mlflow = testClient({ fetch: recorder.fetch, retry: { retries: 5 } });
    const runId = await newRun();
    await mlflow.runs.logBatch(runId, { params: { seed: 1 } });

    const error = await mlflow.runs.logBatch(runId, { params: { seed: 2 } }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MlflowApiError);
    expect(error).toMatchObject({ status: 400, errorCode: "INVALID_PARAMETER_VALUE" });
    expect(recorder.count("/runs/log-batch")).toBe(2);
  });

  it("when metrics are NaN or infinite, then they are logged instead of breaking the JSON", async () => {
    const mlflow = testClient();
    const runId = await newRun();
    await mlflow.runs.logBatch(runId, {
      metrics: [
        { key: "log_loss", value: NaN },
        { key: "ratio", value: Infinity },
      ],
    });
    const metrics = new Map(((await mlflow.runs.get(runId)).data?.metrics ?? []).map((m) => [m.key, m.value]));
    expect(metrics.get("log_loss")).toBe("NaN");
    expect(metrics.get("ratio")).toBe(Number.MAX_VALUE);
  });

  it("when a dataset is logged as an input, then the run lists it with its context, schema and profile", async () => {
    const mlflow = testClient();
    const runId = await newRun();
    const dataset = {
      name: "spy-daily",
      digest: "2d515d65",
      sourceType: "local",
      source: { uri: "file:///data/spy-daily-2y.csv" },
      schema: { mlflow_colspec: [{ type: "double", name: "close" }] },
      profile: { num_rows: 500, first_date: "2021-10-05", last_date: "2023-09-29" },
      context: "training",
    };

    await mlflow.runs.logInputs(runId, [dataset]);
    await mlflow.runs.logInputs(runId, [dataset]); // safe to repeat

    const inputs = (await mlflow.runs.get(runId)).inputs?.dataset_inputs ?? [];
    expect(inputs).toHaveLength(1);
    expect(fromKeyValues(inputs[0]!.tags)["mlflow.data.context"]).toBe("training");
    expect(inputs[0]!.dataset).toMatchObject({ name: "spy-daily", digest: "2d515d65", source_type: "local" });
    expect(JSON.parse(inputs[0]!.dataset!.source!)).toEqual(dataset.source);
    expect(JSON.parse(inputs[0]!.dataset!.schema!)).toEqual(dataset.schema);
    expect(JSON.parse(inputs[0]!.dataset!.profile!)).toEqual(dataset.profile);
  });

  it("when an MLmodel is logged, then the run's model history holds it (what the UI's model panel reads)", async () => {
    const mlflow = testClient();
    const runId = await newRun();
    const mlmodel: MlModel = {
      artifact_path: "model",
      flavors: { spy_rf: { format: "json", model_file: "model.json" } },
      utc_time_created: mlmodelTimestamp(new Date()),
      run_id: runId,
    };

    await mlflow.runs.logModel(runId, mlmodel);

    const history = JSON.parse(
      fromKeyValues((await mlflow.runs.get(runId)).data?.tags)[LOGGED_MODELS_TAG]!,
    ) as MlModel[];
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ artifact_path: "model", run_id: runId, flavors: mlmodel.flavors });
    expect(history[0]!.model_uuid).toMatch(/^[0-9a-f]{32}$/);
  });

  it("when an MLmodel lacks a required field, then the server's 400 is reported", async () => {
    const runId = await newRun();
    const incomplete = { artifact_path: "model", utc_time_created: mlmodelTimestamp(new Date()), run_id: runId };
    const error = await testClient()
      .runs.logModel(runId, incomplete as unknown as MlModel)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400 });
  });

  it("when a tag is set, then the run shows it", async () => {
    const mlflow = testClient();
    const runId = await newRun();
    await mlflow.runs.setTag(runId, "promotion_decision", "kept champion");
    expect(fromKeyValues((await mlflow.runs.get(runId)).data?.tags).promotion_decision).toBe("kept champion");
  });

  it("when runs are searched, then filter and order apply and searchAll follows every page", async () => {
    const recorder = instrumentedFetch();
    const mlflow = testClient({ fetch: recorder.fetch });
    const { experiment_id: id } = await mlflow.experiments.getOrCreate(uniqueName("search"));
    for (let i = 0; i < 5; i++) {
      const run = await mlflow.runs.create({ experimentId: id!, tags: { batch: i % 2 === 0 ? "even" : "odd" } });
      await mlflow.runs.logBatch(run.info!.run_id!, { metrics: [{ key: "accuracy", value: i / 10 }] });
    }

    const evens = await mlflow.runs.search({
      experimentIds: [id!],
      filter: "tags.batch = 'even'",
      orderBy: ["metrics.accuracy DESC"],
    });
    const searchesBefore = recorder.count("/runs/search");
    const all = await mlflow.runs.searchAll({ experimentIds: [id!], maxResults: 2, orderBy: ["metrics.accuracy ASC"] });

    expect(evens.items.map((run) => run.data?.metrics?.[0]?.value)).toEqual([0.4, 0.2, 0]);
    expect(evens.nextPageToken).toBeUndefined();
    expect(all.map((run) => run.data?.metrics?.[0]?.value)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(recorder.count("/runs/search") - searchesBefore).toBe(3);
  });

  it("when the answer to runs/create is lost after the server created the run, then the client finds it instead of creating another", async () => {
    const recorder = instrumentedFetch({ dropAnswerOnce: (_method, path) => path.endsWith("/runs/create") });
    const mlflow = testClient({ fetch: recorder.fetch });
    const { experiment_id: id } = await mlflow.experiments.getOrCreate(uniqueName("lost-answer"));

    const run = await mlflow.runs.create({ experimentId: id!, runName: "only-once" });

    expect(recorder.count("/runs/create")).toBe(1);
    expect(recorder.calls.find((call) => call.path.endsWith("/runs/create"))?.outcome).toBe("dropped");
    const runs = await mlflow.runs.searchAll({ experimentIds: [id!] });
    expect(runs).toHaveLength(1);
    expect(runs[0]!.info!.run_id).toBe(run.info!.run_id);
  });

  it("when the answer to log-model is lost after the server applied it, then the model is not appended twice", async () => {
    const recorder = instrumentedFetch({ dropAnswerOnce: (_method, path) => path.endsWith("/runs/log-model") });
    const mlflow = testClient({ fetch: recorder.fetch });
    const runId = await newRun();

    await mlflow.runs.logModel(runId, {
      artifact_path: "model",
      flavors: { spy_rf: { format: "json" } },
      utc_time_created: mlmodelTimestamp(new Date()),
      run_id: runId,
    });

    expect(recorder.count("/runs/log-model")).toBe(1);
    const history = JSON.parse(
      fromKeyValues((await mlflow.runs.get(runId)).data?.tags)[LOGGED_MODELS_TAG]!,
    ) as unknown[];
    expect(history).toHaveLength(1);
  });
});
