import { beforeAll, describe, expect, it } from "vitest";
import {
  CLIENT_REQUEST_ID_TAG,
  fromKeyValues,
  isAliasNotFound,
  isNotFound,
  joinArtifactUri,
  type Run,
} from "../../lib/mlflow/index.js";
import { instrumentedFetch, testClient, uniqueName } from "../helpers/mlflow.js";

let experimentId: string;

beforeAll(async () => {
  experimentId = (await testClient().experiments.getOrCreate(uniqueName("registry"))).experiment_id!;
});

/** A run with a model directory uploaded, as the training job leaves it. */
async function runWithModel(modelJson: string): Promise<Run> {
  const mlflow = testClient();
  const run = await mlflow.runs.create({ experimentId });
  await mlflow.artifacts.upload(run.info!.artifact_uri!, "model/MLmodel", "artifact_path: model\n");
  await mlflow.artifacts.upload(run.info!.artifact_uri!, "model/model.json", modelJson);
  return run;
}

/** A registered model with `count` versions, each from its own run. */
async function modelWithVersions(count: number): Promise<{ name: string; runs: Run[] }> {
  const mlflow = testClient();
  const name = uniqueName("spy-direction");
  await mlflow.registry.createModel(name);
  const runs: Run[] = [];
  for (let i = 1; i <= count; i++) {
    const run = await runWithModel(`{"version":${i}}`);
    await mlflow.registry.createVersion({
      name,
      source: joinArtifactUri(run.info!.artifact_uri!, "model"),
      runId: run.info!.run_id!,
    });
    runs.push(run);
  }
  return { name, runs };
}

describe("model registry against a real MLflow server", () => {
  it("when a model is created twice, then the second call returns the existing model", async () => {
    const mlflow = testClient();
    const name = uniqueName("model");
    const first = await mlflow.registry.createModel(name, { description: "SPY direction", tags: { owner: "lab" } });
    const second = await mlflow.registry.createModel(name);
    expect(first.name).toBe(name);
    expect(second).toMatchObject({ name, description: "SPY direction" });
    expect(fromKeyValues((await mlflow.registry.getModel(name)).tags)).toEqual({ owner: "lab" });
  });

  it("when a model does not exist, then getModel fails at once with the typed not-found error", async () => {
    const recorder = instrumentedFetch();
    const error = await testClient({ fetch: recorder.fetch, retry: { retries: 5 } })
      .registry.getModel(uniqueName("missing"))
      .catch((caught: unknown) => caught);
    expect(isNotFound(error)).toBe(true);
    expect(isAliasNotFound(error)).toBe(false);
    expect(recorder.calls).toHaveLength(1);
  });

  it("when versions are registered from runs, then each gets the next number, its source, run and tags", async () => {
    const mlflow = testClient();
    const name = uniqueName("versions");
    await mlflow.registry.createModel(name);
    const run = await runWithModel('{"trees":[]}');
    const source = joinArtifactUri(run.info!.artifact_uri!, "model");

    const v1 = await mlflow.registry.createVersion({
      name,
      source,
      runId: run.info!.run_id!,
      tags: { accuracy: "0.54" },
      description: "first",
    });
    const v2 = await mlflow.registry.createVersion({ name, source, runId: run.info!.run_id! });

    expect(v1).toMatchObject({ name, version: "1", source, run_id: run.info!.run_id, status: "READY" });
    expect(source).toBe(`mlflow-artifacts:/${experimentId}/${run.info!.run_id}/artifacts/model`);
    expect(v2.version).toBe("2");
    const fetched = await mlflow.registry.getVersion(name, "1");
    expect(fetched).toMatchObject({ version: "1", description: "first", run_id: run.info!.run_id });
    expect(fromKeyValues(fetched.tags)).toMatchObject({ accuracy: "0.54" });
  });

  it("when a version tag is set, then the version shows it", async () => {
    const mlflow = testClient();
    const { name } = await modelWithVersions(1);
    await mlflow.registry.setVersionTag(name, "1", "promotion_reason", "beats champion by 0.02");
    expect(fromKeyValues((await mlflow.registry.getVersion(name, "1")).tags).promotion_reason).toBe(
      "beats champion by 0.02",
    );
  });

  it("when versions are searched, then order, limit and pages apply", async () => {
    const recorder = instrumentedFetch();
    const mlflow = testClient({ fetch: recorder.fetch });
    const { name, runs } = await modelWithVersions(3);
    const byName = `name = '${name}'`;

    const descending = await mlflow.registry.searchVersions({ filter: byName });
    const ascending = await mlflow.registry.searchVersions({ filter: byName, orderBy: ["version_number ASC"] });
    const limited = await mlflow.registry.searchVersions({ filter: byName, maxResults: 2 });
    const before = recorder.count("/model-versions/search");
    const paged = await mlflow.registry.searchVersions({ filter: byName, pageSize: 2 });
    const pagedRequests = recorder.count("/model-versions/search") - before;
    const byRun = await mlflow.registry.searchVersions({ filter: `run_id = '${runs[1]!.info!.run_id}'` });

    expect(descending.map((v) => v.version)).toEqual(["3", "2", "1"]);
    expect(ascending.map((v) => v.version)).toEqual(["1", "2", "3"]);
    expect(limited.map((v) => v.version)).toEqual(["3", "2"]);
    expect(paged.map((v) => v.version)).toEqual(["3", "2", "1"]);
    expect(pagedRequests).toBe(2);
    expect(byRun.map((v) => v.version)).toEqual(["2"]);
  });

  it("when the alias is moved, then reading it back follows it, and models:/ URIs resolve", async () => {
    const mlflow = testClient();
    const { name } = await modelWithVersions(2);

    await mlflow.registry.setAlias(name, "champion", "1");
    const first = await mlflow.registry.getVersionByAlias(name, "champion");
    await mlflow.registry.setAlias(name, "champion", "2");
    const moved = await mlflow.registry.getVersionByAlias(name, "champion");

    expect(first).toMatchObject({ version: "1", aliases: ["champion"] });
    expect(moved).toMatchObject({ version: "2", aliases: ["champion"] });
    expect((await mlflow.registry.getModel(name)).aliases).toEqual([{ alias: "champion", version: "2" }]);
    expect((await mlflow.registry.resolveModelUri(`models:/${name}@champion`)).version).toBe("2");
    expect((await mlflow.registry.resolveModelUri(`models:/${name}/1`)).version).toBe("1");
  });

  it("when the alias is deleted, then reading it gives the typed alias-not-found error, and deleting again is a no-op", async () => {
    const recorder = instrumentedFetch();
    const mlflow = testClient({ fetch: recorder.fetch, retry: { retries: 5 } });
    const { name } = await modelWithVersions(1);
    await mlflow.registry.setAlias(name, "champion", "1");

    await mlflow.registry.deleteAlias(name, "champion");
    await mlflow.registry.deleteAlias(name, "champion");
    const before = recorder.calls.length;
    const error = await mlflow.registry.getVersionByAlias(name, "champion").catch((caught: unknown) => caught);

    expect(isAliasNotFound(error)).toBe(true);
    expect(isNotFound(error)).toBe(false);
    expect(error).toMatchObject({ status: 400, errorCode: "INVALID_PARAMETER_VALUE" });
    expect(recorder.calls.length - before).toBe(1);
  });

  it("when the model of an alias does not exist, then the typed not-found error comes back at once", async () => {
    const recorder = instrumentedFetch();
    const error = await testClient({ fetch: recorder.fetch, retry: { retries: 5 } })
      .registry.resolveModelUri(`models:/${uniqueName("missing")}@champion`)
      .catch((caught: unknown) => caught);
    expect(isNotFound(error)).toBe(true);
    expect(recorder.calls).toHaveLength(1);
  });

  it("when a version's file is downloaded through the registry, then it is the file the run uploaded", async () => {
    const { name } = await modelWithVersions(2);
    const bytes = await testClient().registry.downloadVersionArtifact(name, "2", "model.json");
    expect(new TextDecoder().decode(bytes)).toBe('{"version":2}');
  });

  it("when a version is deleted, then it and its alias are gone", async () => {
    const mlflow = testClient();
    const { name } = await modelWithVersions(2);
    await mlflow.registry.setAlias(name, "previous-champion", "1");

    await mlflow.registry.deleteVersion(name, "1");

    expect(isNotFound(await mlflow.registry.getVersion(name, "1").catch((caught: unknown) => caught))).toBe(true);
    const aliasError = await mlflow.registry
      .getVersionByAlias(name, "previous-champion")
      .catch((caught: unknown) => caught);
    expect(isAliasNotFound(aliasError)).toBe(true);
    expect((await mlflow.registry.searchVersions({ filter: `name = '${name}'` })).map((v) => v.version)).toEqual(["2"]);
  });

  it("when a model is deleted, then it is gone", async () => {
    const mlflow = testClient();
    const { name } = await modelWithVersions(1);
    await mlflow.registry.deleteModel(name);
    expect(isNotFound(await mlflow.registry.getModel(name).catch((caught: unknown) => caught))).toBe(true);
  });

  it("when the answer to model-versions/create is lost after the server registered it, then no second version is made", async () => {
    const recorder = instrumentedFetch({ dropAnswerOnce: (_method, path) => path.endsWith("/model-versions/create") });
    const mlflow = testClient({ fetch: recorder.fetch });
    const name = uniqueName("lost-version");
    await mlflow.registry.createModel(name);
    const run = await runWithModel("{}");

    const version = await mlflow.registry.createVersion({
      name,
      source: joinArtifactUri(run.info!.artifact_uri!, "model"),
      runId: run.info!.run_id!,
    });

    expect(recorder.count("/model-versions/create")).toBe(1);
    expect(version.version).toBe("1");
    const versions = await mlflow.registry.searchVersions({ filter: `name = '${name}'` });
    expect(versions.map((v) => v.version)).toEqual(["1"]);
    expect(fromKeyValues(versions[0]!.tags)[CLIENT_REQUEST_ID_TAG]).toBeDefined();
  });
});
