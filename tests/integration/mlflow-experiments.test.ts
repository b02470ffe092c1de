import { describe, expect, it } from "vitest";
import { fromKeyValues, isNotFound, type FetchLike } from "../../lib/mlflow/index.js";
import { instrumentedFetch, testClient, uniqueName } from "../helpers/mlflow.js";

describe("experiments against a real MLflow server", () => {
  it("when the experiment does not exist, then getOrCreate creates it with its tags and later calls return it", async () => {
    const mlflow = testClient();
    const name = uniqueName("exp");
    expect(await mlflow.experiments.findByName(name)).toBeUndefined();

    const created = await mlflow.experiments.getOrCreate(name, { team: "lab" });
    const again = await mlflow.experiments.getOrCreate(name, { team: "ignored" });

    expect(created.experiment_id).toMatch(/^\d+$/);
    expect(created.name).toBe(name);
    expect(created.lifecycle_stage).toBe("active");
    expect(created.artifact_location).toBe(`mlflow-artifacts:/${created.experiment_id}`);
    expect(fromKeyValues(created.tags)).toMatchObject({ team: "lab" });
    expect(again.experiment_id).toBe(created.experiment_id);
    expect(fromKeyValues(again.tags).team).toBe("lab");
    expect((await mlflow.experiments.get(created.experiment_id!)).name).toBe(name);
  });

  it("when another client creates it between our lookup and our create, then getOrCreate returns the winner's", async () => {
    const name = uniqueName("exp-race");
    const other = testClient();
    let winnerId: string | undefined;
    const recorder = instrumentedFetch();
    // The other client wins the race right before our create reaches the server.
    const racingFetch: FetchLike = async (input, init) => {
      if (input.endsWith("/experiments/create") && winnerId === undefined) {
        winnerId = await other.experiments.create(name);
      }
      return recorder.fetch(input, init);
    };

    const experiment = await testClient({ fetch: racingFetch }).experiments.getOrCreate(name);

    expect(winnerId).toBeDefined();
    expect(experiment.experiment_id).toBe(winnerId);
    const create = recorder.calls.find((call) => call.path.endsWith("/experiments/create"));
    expect(create?.outcome).toBe(400); // RESOURCE_ALREADY_EXISTS, then a second lookup by name
    expect(recorder.count("/experiments/get-by-name")).toBe(2);
  });

  it("when several callers get-or-create the same name at once, then they all get one experiment", async () => {
    const name = uniqueName("exp-concurrent");
    const results = await Promise.all(Array.from({ length: 4 }, () => testClient().experiments.getOrCreate(name)));
    expect(new Set(results.map((experiment) => experiment.experiment_id)).size).toBe(1);
  });

  it("when the experiment was deleted, then getOrCreate restores it under the same id", async () => {
    const mlflow = testClient();
    const name = uniqueName("exp-deleted");
    const original = await mlflow.experiments.getOrCreate(name);
    await mlflow.experiments.delete(original.experiment_id!);
    expect((await mlflow.experiments.findByName(name))?.lifecycle_stage).toBe("deleted");

    const restored = await mlflow.experiments.getOrCreate(name);

    expect(restored.experiment_id).toBe(original.experiment_id);
    expect(restored.lifecycle_stage).toBe("active");
  });

  it("when an experiment id does not exist, then get fails at once with the typed not-found error", async () => {
    const recorder = instrumentedFetch();
    const error = await testClient({ fetch: recorder.fetch, retry: { retries: 5 } })
      .experiments.get("987654321")
      .catch((caught: unknown) => caught);
    expect(isNotFound(error)).toBe(true);
    expect(recorder.calls).toHaveLength(1);
  });
});
