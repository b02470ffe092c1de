// The monitor against the real MLflow server of the integration suite and a real webhook receiver on 127.0.0.1:
// one notification when an alert starts, none while it holds, one when it clears; a webhook outage loses nothing;
// the state lives in MLflow, so separate processes (the CLI) continue where the last check stopped.
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMonitorConfig } from "../../jobs/monitor/config.js";
import { runMonitor, type MonitorOutcome } from "../../jobs/monitor/monitor.js";
import { RUN_TAGS } from "../../lib/registry/run-tags.js";
import { ALIASES } from "../../lib/registry/names.js";
import { EXIT_CODES } from "../../lib/exit-codes.js";
import { joinArtifactUri } from "../../lib/mlflow/index.js";
import { LIVE_VERSION_TAGS, MONITOR_METRICS } from "../../lib/monitoring/names.js";
import { readAlertState } from "../../lib/monitoring/state-store.js";
import type { WebhookPayload } from "../../lib/monitoring/webhook.js";
import { repoRoot } from "../helpers/data.js";
import { sharedTrackingUri, testClient, uniqueName } from "../helpers/mlflow.js";
import { silentLogger } from "../helpers/job-fixture.js";

const exec = promisify(execFile);
const mlflow = testClient();
const experiment = uniqueName("monitor-it");
const monitorExperiment = uniqueName("monitor-it-alerts");
const model = uniqueName("spy-direction");

/** The webhook receiver: records every JSON body; answers 200, or 503 while `down`. */
const received: WebhookPayload[] = [];
let down = false;
let server: Server;
let webhookUrl: string;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    MLFLOW_TRACKING_URI: sharedTrackingUri(),
    MLFLOW_EXPERIMENT_NAME: experiment,
    MONITOR_EXPERIMENT_NAME: monitorExperiment,
    MODEL_NAME: model,
    ALERT_WEBHOOK_URL: webhookUrl,
    ALERT_WEBHOOK_RETRIES: "2",
    ALERT_WEBHOOK_TIMEOUT_SECONDS: "2",
    ...extra,
  };
}

/** One check in-process, as main.ts runs it (short webhook backoff). */
async function check(extra: Record<string, string> = {}): Promise<MonitorOutcome> {
  return runMonitor(loadMonitorConfig(env(extra)), {
    client: mlflow,
    now: () => new Date(),
    logger: silentLogger(),
    webhook: { baseDelayMs: 5, maxDelayMs: 20 },
  });
}

/** `npm run monitor` as a user runs it: a new process. */
async function monitorCli(extra: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = path.join(repoRoot, "node_modules", "tsx", "dist", "cli.mjs");
  try {
    const { stdout, stderr } = await exec(process.execPath, [tsx, "jobs/monitor/main.ts"], {
      cwd: repoRoot,
      env: { ...process.env, ...env(), LOG_LEVEL: "warn", ...extra },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { stdout = "", stderr = "", code = -1 } = error as { stdout?: string; stderr?: string; code?: number };
    return { code, stdout, stderr };
  }
}

/** A training run of the model as the job leaves it, ended `status`. */
async function trainingRun(status: "FINISHED" | "FAILED", error?: string): Promise<string> {
  const experimentId = (await mlflow.experiments.getOrCreate(experiment)).experiment_id!;
  const run = await mlflow.runs.create({
    experimentId,
    runName: "train-2023-09-29",
    tags: { [RUN_TAGS.modelName]: model, [RUN_TAGS.asOf]: "2023-09-29", ...(error ? { [RUN_TAGS.error]: error } : {}) },
  });
  await mlflow.runs.update(run.info!.run_id!, { status, endTime: Date.now() });
  return run.info!.run_id!;
}

const notifications = (): string[] => received.map((body) => `${body.alert} ${body.status}`);

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (text += chunk));
    req.on("end", () => {
      if (down) {
        res.writeHead(503).end("unavailable");
        return;
      }
      received.push(JSON.parse(text) as WebhookPayload);
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/token`;

  // A healthy lab: a successful training run that registered the champion, scored live on 30 days.
  const runId = await trainingRun("FINISHED");
  const artifactUri = (await mlflow.runs.get(runId)).info!.artifact_uri!;
  await mlflow.registry.createModel(model);
  const version = await mlflow.registry.createVersion({
    name: model,
    source: joinArtifactUri(artifactUri, "model"),
    runId,
    tags: { as_of: "2023-09-29", "eval.accuracy": "0.53", eval_rows: "40" },
  });
  await mlflow.registry.setAlias(model, ALIASES.champion, version.version!);
  for (const [key, value] of Object.entries({
    [LIVE_VERSION_TAGS.status]: "scored",
    [LIVE_VERSION_TAGS.accuracy]: "0.55",
    [LIVE_VERSION_TAGS.days]: "30",
  })) {
    await mlflow.registry.setVersionTag(model, version.version!, key, value);
  }
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("the monitor with a webhook", () => {
  it("when the lab is healthy, then the first check notifies nothing and records every alert as inactive", async () => {
    const outcome = await check();
    expect(outcome.statuses.filter((s) => s.active)).toEqual([]);
    expect(outcome.transitions).toEqual([]);
    expect(received).toEqual([]);
    const stored = await readAlertState(mlflow, { model, monitorExperimentName: monitorExperiment });
    expect(stored?.runId).toBe(outcome.stateRunId);
    expect(Object.values(stored?.state ?? {}).map((record) => record?.active)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(stored?.webhook).toBe("configured");
  });

  it("when a condition starts, then one notification is sent; while it holds, none; when it clears, one", async () => {
    const started = await check({ MODEL_MAX_AGE_HOURS: "0" });
    expect(started.transitions.map((t) => `${t.alert} ${t.status}`)).toEqual(["model_stale firing"]);
    expect(notifications()).toEqual(["model_stale firing"]);
    expect(received[0]).toMatchObject({ model, status: "firing", started_at: null, source: "spy-mlops-lab monitor" });
    expect(received[0]?.text).toMatch(/^:rotating_light: \*FIRING\* `model_stale` on spy-direction-/);

    // Another process, the same state: the CLI finds the alert already notified.
    const holding = await monitorCli({ MODEL_MAX_AGE_HOURS: "0" });
    expect(holding.code, holding.stderr).toBe(0);
    expect(holding.stdout).toMatch(/ACTIVE {2}model_stale/);
    expect(holding.stdout).toContain("changes: none since the last check");
    expect(holding.stdout).toContain("notifications: none due");
    expect(await check({ MODEL_MAX_AGE_HOURS: "0" })).toMatchObject({ transitions: [], delivered: [] });
    expect(notifications()).toEqual(["model_stale firing"]);

    const cleared = await check({ MODEL_MAX_AGE_HOURS: "36" });
    expect(cleared.delivered.map((e) => `${e.alert} ${e.status}`)).toEqual(["model_stale resolved"]);
    expect(notifications()).toEqual(["model_stale firing", "model_stale resolved"]);
    expect(received[1]?.started_at).toBe(started.checkedAt.toISOString());
    expect(await check()).toMatchObject({ transitions: [], delivered: [] });
    expect(received).toHaveLength(2);
  });

  it("when the webhook is down at a transition, then it is kept and sent once the webhook is back", async () => {
    const failedRun = await trainingRun("FAILED", "could not re-score the champion");
    down = true;
    const during = await check();
    expect(during.transitions.map((t) => `${t.alert} ${t.status}`)).toEqual(["training_failed firing"]);
    expect(during.delivered).toEqual([]);
    expect(during.deliveryError).toMatch(/did not take the notification after 3 attempts: HTTP 503/);
    expect(during.pending.map((e) => e.alert)).toEqual(["training_failed"]);
    const stored = await readAlertState(mlflow, { model, monitorExperimentName: monitorExperiment });
    expect(stored?.state.training_failed?.pending).toHaveLength(1);
    expect(received).toHaveLength(2);

    down = false;
    const after = await check();
    expect(after.transitions).toEqual([]);
    expect(after.delivered.map((e) => `${e.alert} ${e.status}`)).toEqual(["training_failed firing"]);
    expect(received.at(-1)).toMatchObject({ alert: "training_failed", at: during.checkedAt.toISOString() });
    expect(received.at(-1)?.summary).toContain(`last training run ${failedRun}`);
    expect(received.at(-1)?.summary).toContain("could not re-score the champion");
    expect(await check()).toMatchObject({ delivered: [], pending: [] });
    expect(received).toHaveLength(3);
  });

  it("when the champion's live accuracy falls below the floor, then that alert starts, and the checks are charted in MLflow", async () => {
    const champion = (await mlflow.registry.getVersionByAlias(model, ALIASES.champion)).version!;
    await mlflow.registry.setVersionTag(model, champion, LIVE_VERSION_TAGS.accuracy, "0.3");
    const outcome = await check();
    expect(outcome.transitions.map((t) => `${t.alert} ${t.status}`)).toEqual(["accuracy_below_floor firing"]);
    expect(received.at(-1)?.summary).toBe(`live accuracy of champion v${champion} is 0.300 over 30 days; floor 0.45`);
    const history = await mlflow.runs.getMetricHistory(
      outcome.stateRunId,
      `${MONITOR_METRICS.alertActivePrefix}accuracy_below_floor`,
    );
    expect(history.map((m) => m.value)).toContain(1);
    expect(history.map((m) => m.value)).toContain(0);
  });
});

describe("the monitor command", () => {
  it("when the configuration is invalid, then it exits 2 with a clear message and no stack trace", async () => {
    const result = await monitorCli({ ACCURACY_FLOOR: "0.9", ALERT_WEBHOOK_URL: "nope-secret" });
    expect(result.code).toBe(EXIT_CODES.badConfig);
    expect(result.stderr).toContain("ACCURACY_CEILING: must be above ACCURACY_FLOOR");
    expect(result.stderr).not.toContain("nope-secret");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("when MLflow is unreachable, then it exits 1 (retry later)", async () => {
    const result = await monitorCli({
      MLFLOW_TRACKING_URI: "http://127.0.0.1:1",
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: "0",
    });
    expect(result.code).toBe(EXIT_CODES.transient);
    expect(result.stderr).toMatch(/^monitor: MLflow at http:\/\/127\.0\.0\.1:1 is unreachable/m);
  });
});
