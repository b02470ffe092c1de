import { readAlias } from "../../jobs/registry/champion.js";
// The registry CLI as a user runs it (`npm run registry -- ...`, a new process each time) against the real MLflow
// server, on a model trained by the job: list, promote, rollback, and the errors people will make.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALIASES, VERSION_TAGS, parseChampionEvents } from "../../lib/registry/names.js";
import { loadTrainConfig } from "../../jobs/train/config.js";
import { runTraining } from "../../jobs/train/pipeline.js";
import { EXIT_CODES } from "../../lib/exit-codes.js";
import { fromKeyValues } from "../../lib/mlflow/index.js";
import { closeTrainingWorkers } from "../../lib/model/worker-pool.js";
import { repoRoot } from "../helpers/data.js";
import { sharedTrackingUri, testClient, uniqueName } from "../helpers/mlflow.js";
import { smallTrainingEnv, testTrainingDeps } from "../helpers/job-fixture.js";

const exec = promisify(execFile);
const model = uniqueName("spy-direction");
const mlflow = testClient();

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function registry(args: string[], extra: Record<string, string> = {}): Promise<CliResult> {
  const tsx = path.join(repoRoot, "node_modules", "tsx", "dist", "cli.mjs");
  try {
    const { stdout, stderr } = await exec(process.execPath, [tsx, "jobs/registry/main.ts", ...args], {
      cwd: repoRoot,
      env: {
        ...process.env,
        MLFLOW_TRACKING_URI: sharedTrackingUri(),
        MODEL_NAME: model,
        USER: "ops-tester",
        ...extra,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { stdout = "", stderr = "", code = -1 } = error as Partial<CliResult>;
    return { code, stdout, stderr };
  }
}

const alias = (name: string): Promise<string | null> => readAlias(mlflow.registry, model, name);

const noStack = (result: CliResult): void => expect(result.stderr).not.toMatch(/\n\s+at /);

beforeAll(async () => {
  // v1: the bootstrap champion; v2: a challenger that did not win (huge margin).
  const experiment = uniqueName("registry-cli");
  for (const [asOf, margin] of [
    ["2023-06-30", "0"],
    ["2023-07-31", "1000"],
  ] as const) {
    const config = loadTrainConfig(
      { asOf },
      smallTrainingEnv({ MLFLOW_EXPERIMENT_NAME: experiment, MODEL_NAME: model, PROMOTION_MARGIN: margin }),
    );
    const outcome = await runTraining(config, testTrainingDeps({ mlflow }));
    if (outcome.status !== "trained") throw new Error(`setup training as of ${asOf}: ${outcome.status}`);
  }
});

afterAll(closeTrainingWorkers);

describe("the registry CLI against a real MLflow server", () => {
  it("when listing, then each version shows its aliases, as-of date, metrics and promotion decision", async () => {
    const result = await registry(["list"]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(model);
    expect(lines[1]).toMatch(/^VERSION\s+ALIASES\s+AS OF\s+ROC_AUC\s+ACCURACY\s+DECISION/);
    expect(lines[2]).toMatch(/^v2\s+challenger\s+2023-07-31\s+\d\.\d{4}\s+\d\.\d{4}\s+not_promoted\s/);
    expect(lines[3]).toMatch(/^v1\s+champion\s+2023-06-30\s+\d\.\d{4}\s+\d\.\d{4}\s+promoted\s/);
  });

  it("when promoting a version, then champion moves to it, previous-champion to the old one, and it says so", async () => {
    const result = await registry(["promote", "2", "--reason", "better on live accuracy"]);
    noStack(result);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${model}: promoted v2\nchampion: v1 -> v2\nprevious-champion: (none) -> v1\n`);
    expect(await alias(ALIASES.champion)).toBe("2");
    expect(await alias(ALIASES.previousChampion)).toBe("1");
    const tags = fromKeyValues((await mlflow.registry.getVersion(model, "2")).tags);
    expect(tags).toMatchObject({
      [VERSION_TAGS.championChange]: "manual_promotion",
      [VERSION_TAGS.championChangedBy]: "ops-tester",
      [VERSION_TAGS.championChangeReason]: "better on live accuracy",
      [VERSION_TAGS.replacedVersion]: "1",
    });
    expect(parseChampionEvents(tags[VERSION_TAGS.championEvents])).toEqual([
      expect.objectContaining({ kind: "manual_promotion", from: "1", to: "2", by: "ops-tester" }),
    ]);
    expect(fromKeyValues((await mlflow.registry.getVersion(model, "1")).tags)).toMatchObject({
      [VERSION_TAGS.replacedBy]: "2",
    });
  });

  it("when the version is already champion, then promote changes nothing and exits 0", async () => {
    const result = await registry(["promote", "2"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${model} v2 is already the champion: nothing changed\n`);
    expect(await alias(ALIASES.previousChampion)).toBe("1");
  });

  it("when rolling back, then champion returns to previous-champion and a second rollback undoes the first", async () => {
    const back = await registry(["rollback"]);
    expect(back.code).toBe(0);
    expect(back.stdout).toBe(`${model}: rolled back from v2 to v1\nchampion: v2 -> v1\nprevious-champion: v1 -> v2\n`);
    expect(await alias(ALIASES.champion)).toBe("1");
    expect(await alias(ALIASES.previousChampion)).toBe("2");
    const events = parseChampionEvents(
      fromKeyValues((await mlflow.registry.getVersion(model, "1")).tags)[VERSION_TAGS.championEvents],
    );
    expect(events.map((e) => e.kind)).toEqual(["bootstrap", "rollback"]);
    expect(events[1]).toMatchObject({ from: "2", to: "1", by: "ops-tester" });

    const again = await registry(["rollback"]);
    expect(again.code).toBe(0);
    expect(await alias(ALIASES.champion)).toBe("2");
    expect(await alias(ALIASES.previousChampion)).toBe("1");
  });

  it("when rolling back to a given version, then champion goes to that version", async () => {
    const result = await registry(["rollback", "1"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("champion: v2 -> v1");
    expect(await alias(ALIASES.champion)).toBe("1");
  });

  it("when the version does not exist, then it exits 2 naming the versions that do, and changes nothing", async () => {
    const result = await registry(["promote", "99"]);
    noStack(result);
    expect(result.code).toBe(EXIT_CODES.badConfig);
    expect(result.stderr).toBe(`registry: ${model} has no version 99 (latest versions: v2, v1; see "registry list")\n`);
    expect(await alias(ALIASES.champion)).toBe("1");
  });

  it("when the command is wrong, then it exits 2 with the usage", async () => {
    const result = await registry(["promote", "latest"]);
    expect(result.code).toBe(EXIT_CODES.badConfig);
    expect(result.stderr).toContain('"latest" is not a version number');
    expect(result.stderr).toContain("usage: registry <command>");
  });

  it("when the model does not exist, then it exits 2 and says how to get one", async () => {
    const result = await registry(["list"], { MODEL_NAME: uniqueName("missing") });
    noStack(result);
    expect(result.code).toBe(EXIT_CODES.badConfig);
    expect(result.stderr).toContain("MLflow has no registered model");
    expect(result.stderr).toContain("npm run train");
  });

  it("when MLflow is unreachable, then it exits 1 (retry later)", async () => {
    const result = await registry(["rollback"], {
      MLFLOW_TRACKING_URI: "http://127.0.0.1:9",
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: "0",
    });
    noStack(result);
    expect(result.code).toBe(EXIT_CODES.transient);
    expect(result.stderr).toContain("unreachable");
  });
});
