import { readAlias } from "../../jobs/registry/champion.js";
// The training job end to end against the real MLflow server of the integration suite, on spy-daily-2y.csv with
// small forests: bootstrap, idempotency per as-of date, challenger vs champion both ways, failures that must never
// promote, and the CLI's exit codes.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALIASES, VERSION_TAGS } from "../../lib/registry/names.js";
import { loadTrainConfig } from "../../jobs/train/config.js";
import { runTraining, type TrainOutcome } from "../../jobs/train/pipeline.js";
import { DecisionError } from "../../jobs/train/promote.js";
import { RUN_TAGS } from "../../lib/registry/run-tags.js";
import { exitCodeFor } from "../../lib/cli.js";
import { EXIT_CODES } from "../../lib/exit-codes.js";
import { DEFAULT_FEATURE_SPEC, type FeatureSpec } from "../../lib/features/spec.js";
import { DataError } from "../../lib/market/errors.js";
import { fromKeyValues, joinArtifactUri, LOGGED_MODELS_TAG, type FetchLike, type Run } from "../../lib/mlflow/index.js";
import { BUNDLE_FILE_NAMES, parseBundle, type BundleFiles } from "../../lib/model/bundle.js";
import { closeTrainingWorkers } from "../../lib/model/worker-pool.js";
import { repoRoot } from "../helpers/data.js";
import { instrumentedFetch, sharedTrackingUri, testClient, uniqueName } from "../helpers/mlflow.js";
import { smallTrainingEnv, testContext, testTrainingDeps } from "../helpers/job-fixture.js";
import { findAll, parseXml } from "../helpers/plots-xml.js";

const exec = promisify(execFile);
const experiment = uniqueName("train-it");
const model = uniqueName("spy-direction");
const mlflow = testClient();
let experimentId: string;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return smallTrainingEnv({ MLFLOW_EXPERIMENT_NAME: experiment, MODEL_NAME: model, ...extra });
}

/** One training run in-process, as main.ts wires it, with an optional fetch to inject faults. */
async function train(
  asOf: string,
  extra: Record<string, string> = {},
  fetch?: FetchLike,
  featureSpec?: FeatureSpec,
): Promise<TrainOutcome> {
  return runTraining(
    loadTrainConfig({ asOf }, env(extra)),
    testTrainingDeps({ mlflow: testClient(fetch ? { fetch } : {}), ...(featureSpec ? { featureSpec } : {}) }),
  );
}

const alias = (name: string): Promise<string | null> => readAlias(mlflow.registry, model, name);

async function versionTags(version: string): Promise<Record<string, string>> {
  return fromKeyValues((await mlflow.registry.getVersion(model, version)).tags);
}

async function runsAsOf(asOf: string): Promise<Run[]> {
  return mlflow.runs.searchAll({
    experimentIds: [experimentId],
    filter: `tags.${RUN_TAGS.asOf} = '${asOf}'`,
    orderBy: ["attributes.start_time DESC"],
  });
}

/** `npm run train -- <args>` as a user runs it: a new process, exit code and output. */
async function trainCli(
  args: string[],
  extra: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = path.join(repoRoot, "node_modules", "tsx", "dist", "cli.mjs");
  try {
    const { stdout, stderr } = await exec(process.execPath, [tsx, "jobs/train/main.ts", ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env(), MLFLOW_TRACKING_URI: sharedTrackingUri(), LOG_LEVEL: "warn", ...extra },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { stdout = "", stderr = "", code = -1 } = error as { stdout?: string; stderr?: string; code?: number };
    return { code, stdout, stderr };
  }
}

beforeAll(async () => {
  experimentId = (await mlflow.experiments.getOrCreate(experiment)).experiment_id!;
});

afterAll(closeTrainingWorkers);

describe("the training job against a real MLflow server", () => {
  // A single deep tree as the first champion: its P(UP) is 0 or 1, so its Brier score equals its error rate
  // (about 0.5), which a forest of 40 shallow trees reliably beats. That makes the "promoted" case deterministic.
  const weakChampion = { N_ESTIMATORS: "1", MAX_DEPTH: "8", MIN_SAMPLES_LEAF: "1" };
  let first: Extract<TrainOutcome, { status: "trained" }>;

  it("when no champion exists, then the first run registers v1, makes it champion and challenger, and logs everything", async () => {
    const outcome = await train("2023-06-30", weakChampion);
    expect(outcome.status).toBe("trained");
    if (outcome.status !== "trained") return;
    first = outcome;
    const { tracking } = outcome;
    expect(tracking.version).toBe("1");
    expect(tracking.promotion?.decision).toMatchObject({ promote: true, outcome: "bootstrap" });
    expect(await alias(ALIASES.champion)).toBe("1");
    expect(await alias(ALIASES.challenger)).toBe("1");
    expect(await alias(ALIASES.previousChampion)).toBeNull();

    const run = await mlflow.runs.get(tracking.runId);
    expect(run.info?.status).toBe("FINISHED");
    const tags = fromKeyValues(run.data?.tags);
    expect(tags).toMatchObject({
      "mlflow.source.type": "JOB",
      "mlflow.source.name": "jobs/train/main.ts",
      "mlflow.user": "tester",
      "mlflow.source.git.commit": testContext.gitCommit,
      [RUN_TAGS.asOf]: "2023-06-30",
      [RUN_TAGS.modelName]: model,
      [RUN_TAGS.codeVersion]: "0.0.0-test",
      [RUN_TAGS.trainer]: "fast",
      [RUN_TAGS.modelVersion]: "1",
      [RUN_TAGS.decision]: "promoted",
    });
    expect(tags[RUN_TAGS.dataSource]).toContain("spy-daily-2y.csv");
    expect(JSON.parse(tags[LOGGED_MODELS_TAG]!)).toEqual([
      expect.objectContaining({ artifact_path: "model", run_id: tracking.runId }),
    ]);

    const params = fromKeyValues(run.data?.params);
    expect(params).toMatchObject({ n_estimators: "1", eval_days: "40", max_depth: "8", min_samples_leaf: "1" });
    const metrics = Object.fromEntries((run.data?.metrics ?? []).map((m) => [m.key ?? "", m.value]));
    expect(metrics.eval_roc_auc).toBe(outcome.result.evaluation.model.rocAuc);
    expect(metrics.baseline_always_up_roc_auc).toBe(0.5);
    expect(metrics).toHaveProperty("baseline_prev_day_accuracy");
    expect(metrics.promoted).toBe(1);
    const folds = await mlflow.runs.getMetricHistory(tracking.runId, `cv/${outcome.result.selection.best.key}/roc_auc`);
    expect(folds.map((m) => m.step).sort()).toEqual([0, 1]);

    const [input] = run.inputs?.dataset_inputs ?? [];
    expect(input?.dataset).toMatchObject({
      name: "spy-daily-features",
      digest: outcome.result.prepared.dataset.lineage.digest.slice(0, 16),
      source_type: "local",
    });
    expect(JSON.parse(input!.dataset!.profile!)).toMatchObject({
      num_rows: outcome.result.prepared.dataset.X.length,
      last_bar_date: "2023-06-30",
    });
    expect(fromKeyValues(input?.tags)["mlflow.data.context"]).toBe("training");
  });

  it("when the first run's artifacts are read back, then the bundle, the report and the plots are all there", async () => {
    const { runId } = first.tracking;
    const artifactUri = (await mlflow.runs.get(runId)).info!.artifact_uri!;
    const listed = async (dir: string) => (await mlflow.artifacts.list(artifactUri, dir)).map((f) => f.path).sort();
    expect(await listed("model")).toEqual(BUNDLE_FILE_NAMES.map((name) => `model/${name}`).sort());
    expect(await listed("eval")).toEqual(["eval/predictions.csv", "eval/report.json"]);
    expect(await listed("plots")).toEqual([
      "plots/calibration.svg",
      "plots/confusion_matrix.svg",
      "plots/feature_importance.svg",
      "plots/fold_scores.svg",
      "plots/p_up_distribution.svg",
      "plots/roc_curve.svg",
      "plots/rolling_accuracy.svg",
    ]);
    const svg = new TextDecoder().decode(await mlflow.artifacts.download(artifactUri, "plots/feature_importance.svg"));
    expect(findAll(parseXml(svg), "g", "bar")).toHaveLength(23);
    const report: unknown = JSON.parse(
      new TextDecoder().decode(await mlflow.artifacts.download(artifactUri, "eval/report.json")),
    );
    expect(report).toMatchObject({
      as_of: "2023-06-30",
      decision: { version: "1", promoted: true, outcome: "bootstrap" },
    });

    // The registered version points at the run's model directory and loads like the API will load it.
    const version = await mlflow.registry.getVersion(model, "1");
    expect(version.source).toBe(joinArtifactUri(artifactUri, "model"));
    expect(version.run_id).toBe(runId);
    const files: BundleFiles = {};
    for (const name of BUNDLE_FILE_NAMES) files[name] = await mlflow.registry.downloadVersionArtifact(model, "1", name);
    const loaded = parseBundle(files);
    expect(loaded.metadata).toMatchObject({ run_id: runId, training: { as_of: "2023-06-30" } });
    expect(loaded.forest.predictUpProbability(first.result.evaluation.X)).toEqual(first.result.evaluation.pUp);

    const tags = await versionTags("1");
    expect(tags).toMatchObject({
      [VERSION_TAGS.asOf]: "2023-06-30",
      [VERSION_TAGS.evalRows]: "40",
      [VERSION_TAGS.primaryMetric]: "roc_auc",
      [VERSION_TAGS.decision]: "promoted",
      [VERSION_TAGS.decisionOutcome]: "bootstrap",
      [VERSION_TAGS.comparedChampion]: "none",
      [VERSION_TAGS.championChange]: "bootstrap",
      [VERSION_TAGS.replacedVersion]: "none",
    });
    expect(Number(tags[`${VERSION_TAGS.evalMetricPrefix}roc_auc`])).toBe(first.result.evaluation.model.rocAuc);
    expect(JSON.parse(tags[VERSION_TAGS.championEvents]!)).toEqual([
      expect.objectContaining({ kind: "bootstrap", from: null, to: "1" }),
    ]);
  });

  it("when a later challenger does not beat the champion by the margin, then it stays challenger and champion is kept", async () => {
    const outcome = await train("2023-07-31", { PROMOTION_MARGIN: "1000" });
    if (outcome.status !== "trained") throw new Error(`unexpected ${outcome.status}`);
    const { tracking } = outcome;
    expect(tracking.version).toBe("2");
    expect(tracking.promotion?.decision).toMatchObject({ promote: false, outcome: "not_better_than_champion" });
    expect(tracking.promotion?.champion?.version).toBe("1");
    expect(await alias(ALIASES.champion)).toBe("1");
    expect(await alias(ALIASES.challenger)).toBe("2");
    expect(await alias(ALIASES.previousChampion)).toBeNull();

    const tags = await versionTags("2");
    expect(tags).toMatchObject({
      [VERSION_TAGS.decision]: "not_promoted",
      [VERSION_TAGS.decisionOutcome]: "not_better_than_champion",
      [VERSION_TAGS.comparedChampion]: "1",
    });
    expect(tags[VERSION_TAGS.decisionReason]).toContain("not better by more than the margin 1000");
    // The champion was re-scored on the challenger's own evaluation window.
    expect(Number(tags[VERSION_TAGS.championScore])).toBeCloseTo(tracking.promotion!.champion!.report.rocAuc!, 4);
    expect(tracking.promotion!.champion!.report.n).toBe(outcome.result.evaluation.model.n);
    const run = await mlflow.runs.get(tracking.runId);
    expect(fromKeyValues(run.data?.tags)[RUN_TAGS.decision]).toBe("not_promoted");
    expect((run.data?.metrics ?? []).map((m) => m.key)).toContain("champion_roc_auc");
    const plots = await mlflow.artifacts.list(run.info!.artifact_uri!, "plots");
    expect(plots.map((f) => f.path)).toContain("plots/roc_vs_champion.svg");
  });

  it("when a later challenger beats the re-scored champion by the margin and always-UP, then it is promoted", async () => {
    const outcome = await train("2023-08-31", {
      PROMOTION_METRIC: "brier",
      PROMOTION_MARGIN: "0.02",
      N_ESTIMATORS: "40",
      MAX_DEPTH: "3",
      MIN_SAMPLES_LEAF: "20",
    });
    if (outcome.status !== "trained") throw new Error(`unexpected ${outcome.status}`);
    const { tracking, result } = outcome;
    expect(tracking.version).toBe("3");
    expect(tracking.promotion?.decision).toMatchObject({ promote: true, outcome: "beats_champion" });
    const championBrier = tracking.promotion!.champion!.report.brier;
    expect(result.evaluation.model.brier).toBeLessThan(championBrier - 0.02);
    expect(result.evaluation.model.brier).toBeLessThan(result.evaluation.baselines.alwaysUp.brier);
    expect(await alias(ALIASES.champion)).toBe("3");
    expect(await alias(ALIASES.previousChampion)).toBe("1");
    expect(await alias(ALIASES.challenger)).toBe("3");
    expect(await versionTags("3")).toMatchObject({
      [VERSION_TAGS.decision]: "promoted",
      [VERSION_TAGS.championChange]: "promotion",
      [VERSION_TAGS.replacedVersion]: "1",
      [VERSION_TAGS.comparedChampion]: "1",
    });
    expect(await versionTags("1")).toMatchObject({ [VERSION_TAGS.replacedBy]: "3" });
  });

  it("when the job runs again for an as-of date already decided, then it exits 0 without registering or moving aliases", async () => {
    const recorder = instrumentedFetch();
    const outcome = await train("2023-08-31", {}, recorder.fetch);
    expect(outcome.status).toBe("already_done");
    if (outcome.status !== "already_done") return;
    expect(outcome.run).toMatchObject({ decision: "promoted", version: "3" });
    expect(outcome.summary).toContain("already trained as of 2023-08-31");
    expect(recorder.count("/registered-models/alias", "POST")).toBe(0);
    expect(recorder.count("/model-versions/create", "POST")).toBe(0);
    expect(recorder.count("/runs/create", "POST")).toBe(0);
    expect(await runsAsOf("2023-08-31")).toHaveLength(1);
    expect(await alias(ALIASES.champion)).toBe("3");
  });

  it("when the same as-of date is run through the CLI, then it prints that it is already done and exits 0", async () => {
    const result = await trainCli(["--as-of", "2023-08-31"], {});
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("already trained as of 2023-08-31");
  });

  it("when reading the champion's artifacts fails during the decision, then nothing is promoted and the run is FAILED", async () => {
    // A champion whose model files are missing: the decision cannot re-score it.
    const empty = await mlflow.runs.create({ experimentId, runName: "no-artifacts" });
    const broken = await mlflow.registry.createVersion({
      name: model,
      source: joinArtifactUri(empty.info!.artifact_uri!, "model"),
      runId: empty.info!.run_id!,
    });
    await mlflow.registry.setAlias(model, ALIASES.champion, broken.version!);

    const error = await train("2023-09-29").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DecisionError);
    expect((error as Error).message).toContain("could not re-score the champion");
    expect((error as Error).message).toContain("has no");
    // A champion whose files are gone needs a person (roll back or promote another version): retrying cannot help.
    expect(exitCodeFor(error)).toBe(EXIT_CODES.badConfig);
    expect(await alias(ALIASES.champion)).toBe(broken.version);
    expect(await alias(ALIASES.previousChampion)).toBe("1");

    const [run] = await runsAsOf("2023-09-29");
    expect(run?.info?.status).toBe("FAILED");
    const tags = fromKeyValues(run?.data?.tags);
    expect(tags[RUN_TAGS.error]).toContain("could not re-score the champion");
    expect(tags[RUN_TAGS.note]).toContain("Training failed");
    expect(tags[RUN_TAGS.decision]).toBeUndefined();
    const version = tags[RUN_TAGS.modelVersion]!;
    expect(await alias(ALIASES.challenger)).toBe(version);
    expect(await versionTags(version)).toMatchObject({
      [VERSION_TAGS.decision]: "failed",
      [VERSION_TAGS.decisionOutcome]: "error",
    });
    await mlflow.registry.setAlias(model, ALIASES.champion, "3");
  });

  it("when MLflow stops answering the champion lookup, then nothing is promoted, the run is FAILED and it is worth a retry", async () => {
    // Every alias lookup fails like a server that went away; the rest of the API keeps working.
    const failing: FetchLike = (input, init) =>
      new URL(input).pathname.endsWith("/registered-models/alias") && (init.method ?? "GET") === "GET"
        ? Promise.reject(
            new TypeError("fetch failed", { cause: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }) }),
          )
        : fetch(input, init);
    const error = await train("2023-09-28", { PROMOTION_MARGIN: "0" }, failing).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DecisionError);
    expect((error as Error).message).toContain("unreachable");
    expect(exitCodeFor(error)).toBe(EXIT_CODES.transient);
    expect(await alias(ALIASES.champion)).toBe("3");
    const [run] = await runsAsOf("2023-09-28");
    expect(run?.info?.status).toBe("FAILED");
    expect(fromKeyValues(run?.data?.tags)[RUN_TAGS.decision]).toBeUndefined();
  });

  it("when the champion was trained on a feature spec the code no longer computes, then the challenger replaces it", async () => {
    // A champion from an older code version: same features, another spec version. The API would refuse to serve
    // it and it cannot be re-scored, so keeping it would leave the lab without a usable champion.
    const older: FeatureSpec = { ...DEFAULT_FEATURE_SPEC, version: DEFAULT_FEATURE_SPEC.version + 1 };
    const legacy = await train("2023-09-21", { PROMOTION_MARGIN: "0" }, undefined, older);
    if (legacy.status !== "trained") throw new Error(`unexpected ${legacy.status}`);
    const legacyVersion = legacy.tracking.version!;
    await mlflow.registry.setAlias(model, ALIASES.champion, legacyVersion);

    const outcome = await train("2023-09-22", { PROMOTION_MARGIN: "1000" });
    if (outcome.status !== "trained") throw new Error(`unexpected ${outcome.status}`);
    const { tracking } = outcome;
    const version = tracking.version!;
    expect(tracking.promotion?.decision).toMatchObject({ promote: true, outcome: "replaces_incompatible_champion" });
    expect(tracking.promotion?.decision.reason).toContain("incompatible feature spec");
    expect(await alias(ALIASES.champion)).toBe(version);
    expect(await alias(ALIASES.previousChampion)).toBe(legacyVersion);
    expect(await versionTags(version)).toMatchObject({
      [VERSION_TAGS.decision]: "promoted",
      [VERSION_TAGS.decisionOutcome]: "replaces_incompatible_champion",
      [VERSION_TAGS.comparedChampion]: legacyVersion,
    });
    await mlflow.registry.setAlias(model, ALIASES.champion, "3");
  });

  it("when the data cannot be split after the run exists, then the run is FAILED with the error and the exit code is 2", async () => {
    const error = await train("2023-09-27", { EVAL_DAYS: "250" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataError);
    expect(exitCodeFor(error)).toBe(EXIT_CODES.badConfig);
    const [run] = await runsAsOf("2023-09-27");
    expect(run?.info?.status).toBe("FAILED");
    expect(fromKeyValues(run?.data?.tags)[RUN_TAGS.error]).toContain("too few rows to split");
  });

  it("when the configuration is invalid, then the CLI exits 2 with a clear message and no stack trace", async () => {
    const result = await trainCli(["--dry-run"], { N_ESTIMATORS: "lots", PROMOTION_METRIC: "sharpe" });
    expect(result.code).toBe(EXIT_CODES.badConfig);
    expect(result.stderr).toContain("train: invalid configuration:");
    expect(result.stderr).toContain("N_ESTIMATORS");
    expect(result.stderr).toContain("PROMOTION_METRIC");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("when MLflow is unreachable, then the CLI exits 1 (retry later) before training", async () => {
    const result = await trainCli([], {
      MLFLOW_TRACKING_URI: "http://127.0.0.1:9",
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: "0",
    });
    expect(result.code).toBe(EXIT_CODES.transient);
    expect(result.stderr).toContain("unreachable");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
