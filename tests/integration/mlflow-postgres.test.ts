// The lab's database choice: MLflow on a PostgreSQL backend store (the machine's PostgreSQL, a throwaway database).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromKeyValues, joinArtifactUri } from "../../lib/mlflow/index.js";
import { createPostgresDatabase, postgresQuery, startTestMlflow, type TestMlflow } from "../helpers/mlflow.js";

let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
let test: TestMlflow;

beforeAll(async () => {
  database = await createPostgresDatabase();
  test = await startTestMlflow({ backendStoreUri: database.backendStoreUri });
});

afterAll(async () => {
  await test?.cleanup();
  await database?.drop();
});

describe("MLflow with a PostgreSQL backend store", () => {
  it("when a run is tracked and registered, then it reads back and the rows live in PostgreSQL", async () => {
    const mlflow = test.client();
    const { experiment_id: experimentId } = await mlflow.experiments.getOrCreate("spy-direction");
    const run = await mlflow.runs.create({ experimentId: experimentId!, tags: { as_of: "2023-09-29" } });
    const runId = run.info!.run_id!;
    await mlflow.runs.logBatch(runId, {
      params: { n_estimators: 50 },
      metrics: [{ key: "accuracy", value: 0.54 }],
    });
    await mlflow.artifacts.upload(run.info!.artifact_uri!, "model/model.json", '{"trees":50}');
    await mlflow.registry.createModel("spy-direction");
    const version = await mlflow.registry.createVersion({
      name: "spy-direction",
      source: joinArtifactUri(run.info!.artifact_uri!, "model"),
      runId,
    });
    await mlflow.registry.setAlias("spy-direction", "champion", version.version!);
    await mlflow.runs.update(runId, { status: "FINISHED", endTime: Date.now() });

    const fetched = await mlflow.runs.get(runId);
    expect(fetched.info?.status).toBe("FINISHED");
    expect(fromKeyValues(fetched.data?.params)).toEqual({ n_estimators: "50" });
    expect((await mlflow.registry.getVersionByAlias("spy-direction", "champion")).version).toBe("1");
    expect(
      new TextDecoder().decode(await mlflow.registry.downloadVersionArtifact("spy-direction", "1", "model.json")),
    ).toBe('{"trees":50}');
    expect(await postgresQuery(database.name, `SELECT status FROM runs WHERE run_uuid = '${runId}'`)).toEqual([
      ["FINISHED"],
    ]);
    expect(await postgresQuery(database.name, "SELECT alias, version FROM registered_model_aliases")).toEqual([
      ["champion", 1],
    ]);
  });
});
