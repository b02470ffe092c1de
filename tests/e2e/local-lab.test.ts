import { PREDICTION_FIELDS, type Prediction } from "../helpers/prediction-contract.js";
// The local lab end to end, started and used exactly as a person would: `npm start` in its own terminal (process
// group), curl-like requests to the API, `npm run replay` and `npm run registry` beside it, Ctrl-C at the end.
// Data: a copy of ../shared/data/spy-daily-2y.csv that stops at 2023-09-22 and then "receives" the next session.
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextTradingDay } from "../../lib/market/calendar.js";
import { fromKeyValues, MlflowClient } from "../../lib/mlflow/index.js";
import { CHART_SERIES } from "../../lib/monitoring/charts.js";
import { LIVE_METRICS } from "../../lib/monitoring/names.js";
import { findFreePort, groupAlive } from "../../scripts/lib/mlflow-server.js";
import { readLabState } from "../../scripts/local/state.js";
import { spy2yCsv } from "../helpers/data.js";
import { eventually, getJson, npm, npmRun, processesWithEnv, type LabRun } from "./helpers/local-lab.js";

/** Small, fast forest and split settings that fit the 2-year file (the lab passes them through to the job). */
const SMALL_TRAINING = {
  N_ESTIMATORS: "30",
  MAX_DEPTH: "4",
  MIN_SAMPLES_LEAF: "20",
  MIN_TRAIN_ROWS: "150",
  WF_FOLDS: "2",
  WF_FOLD_DAYS: "40",
  EVAL_DAYS: "60",
};
const FIRST_AS_OF = "2023-09-22";
const NEXT_SESSION = "2023-09-25";
const READY_LINE = /curl "(http:\/\/127\.0\.0\.1:\d+)\/predictionForTomorrow\?threshold=0\.5"/;
const START_TIMEOUT_MS = 180_000;

/** The little of the DOM the browser checks use (the project's TypeScript has no DOM library). */
interface DomNode {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomNode | null;
  querySelectorAll(selector: string): Iterable<DomNode>;
}

interface Health {
  ready: boolean;
  model: { version: string } | null;
  model_refresh: { last_poll_at: string | null };
  data: { as_of: string } | null;
}

let dir: string;
let labDir: string;
let dataFile: string;
/** The row of the session after the last one in the data file at start. */
let nextRow: string;
/** The row of the session after that. */
let rowAfterNext: string;
let env: Record<string, string>;
let apiUrl: string;
let mlflowUri: string;
let lab: LabRun | undefined;
/** Every pid the lab recorded while it ran (lab, MLflow, API, trainings). */
const seenPids = new Set<number>();

function recordPids(): void {
  const state = readLabState(path.join(labDir, "local-lab.json"));
  if (!state) return;
  seenPids.add(state.pid);
  for (const child of state.children) seenPids.add(child.pid);
}

async function predict(query = ""): Promise<{ status: number; body: Prediction }> {
  return getJson<Prediction>(`${apiUrl}/predictionForTomorrow${query}`);
}

async function health(): Promise<Health> {
  return (await getJson<Health>(`${apiUrl}/healthz`)).body;
}

/** Waits until the API serves `version` (it follows the alias on its own: no restart). */
async function servedVersion(version: string): Promise<Prediction> {
  return eventually(
    `the API serves version ${version}`,
    async () => {
      const answer = await predict();
      return answer.status === 200 && answer.body.model_version === version ? answer.body : undefined;
    },
    30_000,
  );
}

/** Starts the lab like a person: `npm start` in its own terminal. */
async function startLab(): Promise<LabRun> {
  const run = npm(["start"], env);
  lab = run;
  const match = await run.waitForLine(READY_LINE, START_TIMEOUT_MS);
  recordPids();
  apiUrl = match[1] ?? "";
  return run;
}

/**
 * Ctrl-C: SIGINT to the lab's terminal process group; waits until `npm start` has exited and checks that the lab
 * stopped cleanly. npm re-raises the SIGINT it got once its script has exited, so npm's own status is that signal
 * (as in a terminal); the lab's clean stop shows in its last line, printed only when it exits 0.
 */
async function stopLab(run: LabRun): Promise<void> {
  recordPids();
  run.signal("SIGINT");
  const code = await run.exited;
  lab = undefined;
  expect([0, 130, "SIGINT"], run.output()).toContain(code);
  expect(run.lines.filter((line) => /SIGINT: stopping the lab/.test(line))).toHaveLength(1);
  expect(run.output()).not.toMatch(/again: killing/);
  expect(run.lines.filter((line) => line.startsWith("lab ")).at(-1)).toMatch(
    /\| stopped: no process of the lab is left$/,
  );
}

function expectNothingLeft(run: LabRun): void {
  expect(groupAlive(run.pid), "the terminal's process group is empty").toBe(false);
  for (const pid of seenPids) expect(groupAlive(pid), `process group ${pid} is gone`).toBe(false);
  expect(processesWithEnv("LAB_DIR", labDir), "no process runs with this LAB_DIR").toEqual([]);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "local-lab-e2e-"));
  labDir = path.join(dir, "lab");
  dataFile = path.join(dir, "spy.csv");
  const lines = (await readFile(spy2yCsv(), "utf8")).trimEnd().split("\n");
  const cut = lines.findIndex((line) => line.startsWith(`${NEXT_SESSION},`));
  expect(cut).toBeGreaterThan(0);
  await writeFile(dataFile, `${lines.slice(0, cut).join("\n")}\n`);
  nextRow = lines[cut] ?? "";
  rowAfterNext = lines[cut + 1] ?? "";
  const apiPort = await findFreePort();
  let mlflowPort = await findFreePort();
  while (mlflowPort === apiPort) mlflowPort = await findFreePort();
  mlflowUri = `http://127.0.0.1:${mlflowPort}`;
  env = {
    API_PORT: String(apiPort),
    MLFLOW_PORT: String(mlflowPort),
    LAB_DIR: labDir,
    MARKET_DATA_FILE: dataFile,
    ...SMALL_TRAINING,
    CHAMPION_POLL_SECONDS: "1",
    DATA_REFRESH_SECONDS: "1",
    DASHBOARD_MAX_AGE_SECONDS: "0",
    LOG_LEVEL: "info",
  };
});

afterAll(async () => {
  if (lab) {
    lab.signal("SIGINT");
    await Promise.race([lab.exited, sleep(30_000)]);
    if (groupAlive(lab.pid)) lab.signal("SIGKILL");
  }
  await rm(dir, { recursive: true, force: true });
});

describe("the local lab (npm start)", () => {
  it("when a port it needs is taken, then it fails at once naming the variable and starts nothing", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(Number(env.API_PORT), "127.0.0.1", resolve));
    try {
      const { code, output } = await npmRun(["start"], env);
      expect(code).toBe(2);
      expect(output).toContain(`port ${env.API_PORT} (API_PORT, for the API) is already in use`);
      expect(output).not.toContain("starting MLflow");
      expect(processesWithEnv("LAB_DIR", labDir)).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it("when started on a CSV file, then it prints the curl command once the API serves the first champion", async () => {
    const run = await startLab();
    expect(run.output()).toContain(`MLflow UI:      ${mlflowUri}`);
    expect(run.output()).toMatch(/next training: +\w{3} \d{4}-\d\d-\d\d 17:30 America\/New_York/);
    const served = await health();
    expect(served).toMatchObject({ ready: true, model: { version: "1" }, data: { as_of: FIRST_AS_OF } });
  });

  it("when /predictionForTomorrow is called with and without threshold, then the answers follow the contract", async () => {
    const plain = await predict();
    expect(plain.status).toBe(200);
    const body = plain.body;
    expect(Object.keys(body)).toEqual(PREDICTION_FIELDS);
    expect(body).toMatchObject({
      threshold: 0.5,
      model_source: "mlflow",
      model_alias: "champion",
      model_name: "spy-direction",
      model_version: "1",
      as_of: FIRST_AS_OF,
      for_date: nextTradingDay(FIRST_AS_OF),
      api_version: expect.any(String) as string,
      run_id: expect.stringMatching(/^[0-9a-f]{32}$/) as string,
    });
    expect(body.confidence).toBeGreaterThanOrEqual(0);
    expect(body.confidence).toBeLessThanOrEqual(1);
    expect(body.prediction).toBe(body.confidence >= 0.5 ? "UP" : "DOWN");
    expect(Number.isNaN(Date.parse(body.generated_at))).toBe(false);

    const always = await predict("?threshold=0");
    expect(always.status).toBe(200);
    expect(always.body).toMatchObject({ threshold: 0, prediction: "UP", confidence: body.confidence });
    const strict = await predict("?threshold=1");
    expect(strict.body.prediction).toBe(body.confidence >= 1 ? "UP" : "DOWN");
    const above = await predict(`?threshold=${body.confidence}`);
    expect(above.body.prediction).toBe("UP");

    const bad = await getJson<{ error?: unknown; message?: string }>(`${apiUrl}/predictionForTomorrow?threshold=1.5`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/between 0 and 1/);
  });

  it("when the next session arrives and a replay trains a challenger that loses, then the API keeps the champion", async () => {
    await appendFile(dataFile, `${nextRow}\n`);
    await eventually(
      "the API sees the new session",
      async () => ((await health()).data?.as_of === NEXT_SESSION ? true : undefined),
      30_000,
    );
    const moved = await predict();
    expect(moved.body).toMatchObject({
      model_version: "1",
      as_of: NEXT_SESSION,
      for_date: nextTradingDay(NEXT_SESSION),
    });

    // PROMOTION_MARGIN=1000: the challenger cannot beat the champion by that much, so it must stay a challenger.
    const replay = await npmRun(["run", "replay", "--", "--from", NEXT_SESSION, "--to", NEXT_SESSION], {
      ...env,
      PROMOTION_MARGIN: "1000",
    });
    expect(replay.code, replay.output).toBe(0);
    expect(replay.output).toMatch(new RegExp(`\\[1/1\\] ${NEXT_SESSION} +version 2 not promoted`));
    expect(replay.output).toContain("new versions: 1 (2 .. 2)");
    expect(replay.output).toContain("champion: version 1");
    const replayEnded = Date.now();

    const client = new MlflowClient({ trackingUri: mlflowUri });
    expect((await client.registry.getVersionByAlias("spy-direction", "challenger")).version).toBe("2");
    expect((await client.registry.getVersionByAlias("spy-direction", "champion")).version).toBe("1");
    const polled = await eventually(
      "the API polls the alias after the replay",
      async () => {
        const current = await health();
        return Date.parse(current.model_refresh.last_poll_at ?? "") > replayEnded + 1_000 ? current : undefined;
      },
      30_000,
    );
    expect(polled.model?.version).toBe("1");
  });

  it("when version 2 is promoted with the registry CLI, then the API follows the alias without a restart", async () => {
    const apiPid = readLabState(path.join(labDir, "local-lab.json"))?.api?.pid;
    const promote = await npmRun(["run", "registry", "--", "promote", "2"], { MLFLOW_TRACKING_URI: mlflowUri });
    expect(promote.code, promote.output).toBe(0);
    const served = await servedVersion("2");
    expect(served.as_of).toBe(NEXT_SESSION);
    expect(readLabState(path.join(labDir, "local-lab.json"))?.api?.pid).toBe(apiPid);
  });

  it("when the champion is rolled back with the registry CLI, then the API follows back to version 1", async () => {
    const rollback = await npmRun(["run", "registry", "--", "rollback"], { MLFLOW_TRACKING_URI: mlflowUri });
    expect(rollback.code, rollback.output).toBe(0);
    await servedVersion("1");
  });

  it("when the dashboard is opened in headless Chromium, then its charts plot the runs and live accuracy in MLflow", async () => {
    expect(lab?.output()).toMatch(/dashboard: +http:\/\/127\.0\.0\.1:\d+\/dashboard/);
    expect(lab?.output()).toMatch(/next monitor: +\w{3} \d{4}-\d\d-\d\d \d\d:15 America\/New_York/);

    // What MLflow holds: two finished runs (the first training and the replay), and the replay scored the
    // champion v1 on the one trading day since its as-of date.
    const client = new MlflowClient({ trackingUri: mlflowUri });
    const experimentId = (await client.experiments.findByName("spy-direction"))!.experiment_id!;
    const runs = (
      await client.runs.searchAll({ experimentIds: [experimentId], filter: "attributes.status = 'FINISHED'" })
    )
      .map((run) => ({ run, tags: fromKeyValues(run.data?.tags) }))
      .sort((a, b) => (a.tags.as_of! < b.tags.as_of! ? -1 : 1));
    expect(runs.map((r) => r.tags.as_of)).toEqual([FIRST_AS_OF, NEXT_SESSION]);
    const accuracies = runs.map((r) => r.run.data!.metrics!.find((m) => m.key === "eval_accuracy")!.value as number);
    const replay = runs[1]!.run.info!.run_id!;
    const live = await client.runs.getMetricHistory(replay, LIVE_METRICS.cumulativeAccuracy);
    expect(live).toHaveLength(1);

    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(String(error)));
      page.on("request", (request) => {
        if (!request.url().startsWith(apiUrl) && !request.url().startsWith("data:")) problems.push(request.url());
      });
      const response = await page.goto(`${apiUrl}/dashboard`);
      expect(response?.status()).toBe(200);
      await page.waitForSelector("#chart-runs svg");

      // Every drawn point of each series, converted back to a value through the y-axis tick labels.
      const charts = await page.locator("figure[data-chart]").evaluateAll((elements) =>
        (elements as unknown as DomNode[]).map((figure) => {
          const ticks = [...figure.querySelectorAll('text.tick-label[text-anchor="end"]')].map((tick) => ({
            value: Number(tick.textContent),
            y: Number(tick.getAttribute("y")) - 4,
          }));
          const [a, b] = [ticks[0]!, ticks.at(-1)!];
          const valueAt = (y: number): number => a.value + ((y - a.y) * (b.value - a.value)) / (b.y - a.y);
          const series = [...figure.querySelectorAll("g.series")].map((group) => {
            const line = group.querySelector("polyline");
            const ys = line
              ? (line.getAttribute("points") ?? "")
                  .trim()
                  .split(" ")
                  .map((pair: string) => Number(pair.split(",")[1]))
              : [...group.querySelectorAll("circle")].map((dot) => Number(dot.getAttribute("cy")));
            return { name: group.getAttribute("data-series"), values: ys.map(valueAt) };
          });
          return { chart: figure.getAttribute("data-chart"), series };
        }),
      );
      const values = (chart: string, series: string): number[] =>
        charts.find((c) => c.chart === chart)!.series.find((s) => s.name === series)!.values;
      const runValues = values("runs", CHART_SERIES.runAccuracy);
      expect(runValues).toHaveLength(2);
      runValues.forEach((value, i) => expect(value).toBeCloseTo(accuracies[i]!, 2));
      const liveValues = values("live", CHART_SERIES.liveCumulative);
      expect(liveValues).toHaveLength(1);
      expect(liveValues[0]).toBeCloseTo(live[0]!.value as number, 2);
      expect(values("runs", CHART_SERIES.runLive)).toHaveLength(1);

      // The champion's history from the version tags: bootstrap, manual promotion, rollback (newest first).
      const changes = await page
        .locator("tr[data-kind]")
        .evaluateAll((rows) => (rows as unknown as DomNode[]).map((r) => r.getAttribute("data-kind")));
      expect(changes).toEqual(["rollback", "manual_promotion", "bootstrap"]);
      expect(await page.locator("tr[data-alert]").count()).toBe(5);
      expect(await page.locator(".card-value").first().textContent()).toBe("v1");
      await page.screenshot({ path: path.join(os.tmpdir(), "dashboard-e2e.png"), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("when MLflow is killed, then the lab says so and the API keeps answering 200 with the loaded model", async () => {
    const state = readLabState(path.join(labDir, "local-lab.json"));
    expect(state?.mlflow.pid).toBeGreaterThan(0);
    process.kill(-(state?.mlflow.pid ?? 0), "SIGKILL");
    await lab?.waitForLine(/MLflow \(pid \d+\) has stopped; the API keeps serving/, 30_000);
    for (let i = 0; i < 5; i++) {
      const answer = await predict();
      expect(answer.status).toBe(200);
      expect(answer.body.model_version).toBe("1");
      await sleep(500);
    }
    expect((await health()).ready).toBe(true);
  });

  it("when the lab gets Ctrl-C, then it stops cleanly and no process it started is left", async () => {
    const run = lab;
    if (!run) throw new Error("the lab is not running");
    await stopLab(run);
    expectNothingLeft(run);
  });

  it("when started again on the same LAB_DIR, then it reuses the state: same champion, no duplicate version", async () => {
    const run = await startLab();
    expect(run.output()).toContain("champion before training: spy-direction version 1");
    const answer = await predict();
    expect(answer.body).toMatchObject({ model_version: "1", as_of: NEXT_SESSION });
    const client = new MlflowClient({ trackingUri: mlflowUri });
    const versions = await client.registry.searchVersions({ filter: "name='spy-direction'" });
    expect(versions.map((v) => v.version).sort()).toEqual(["1", "2"]);
    await stopLab(run);
    expectNothingLeft(run);
  });

  it("when the first training fails while a champion exists, then the lab keeps serving it and says so", async () => {
    await appendFile(dataFile, `${rowAfterNext}\n`);
    const run = npm(["start"], { ...env, EVAL_DAYS: "1000" }); // a new session, but a split that cannot fit
    lab = run;
    await run.waitForLine(READY_LINE, START_TIMEOUT_MS);
    recordPids();
    expect(run.output()).toMatch(
      /the first training failed \(exit code 2: bad configuration or input.*\); the API keeps serving champion version 1/,
    );
    const answer = await predict();
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ model_version: "1", as_of: nextTradingDay(NEXT_SESSION) });
    await stopLab(run);
    expectNothingLeft(run);
  });

  it("when the first training fails and there is no champion, then the lab stops everything with a non-zero exit", async () => {
    const failingDir = path.join(dir, "failing-lab");
    const run = npm(["start"], { ...env, LAB_DIR: failingDir, EVAL_DAYS: "1000" });
    lab = run;
    const code = await run.exited;
    lab = undefined;
    expect(code, run.output()).toBe(2);
    expect(run.output()).toMatch(
      /the first training failed \(exit code 2: bad configuration or input.*no champion to serve/,
    );
    expect(groupAlive(run.pid)).toBe(false);
    expect(processesWithEnv("LAB_DIR", failingDir)).toEqual([]);
  });
});
