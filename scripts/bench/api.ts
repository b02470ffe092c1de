/**
 * npm run bench:api: the prediction API against a bare Koa route with the same middleware stack, both driven by
 * autocannon on 127.0.0.1 (64 connections, bounded duration) in the same run.
 *
 * - API: `api/server.ts` in its own process, serving a model from a throwaway MLflow server started here (a
 *   200-tree forest trained on the 2-year SPY file, registered and aliased `champion`; market data from the same
 *   file). Requests cycle through several thresholds.
 * - Bare: this file with --bare-server in its own process: createKoaStack (request log, metrics, JSON errors,
 *   helmet) around one route answering a constant JSON object of the prediction's size.
 * - Context only (not in the JSON line): plain node:http answering the same body, one run, to show what this
 *   machine allows at all.
 * Both log one line per request at info level to a file, as in production. After a warm-up of each, every round
 * drives both (which goes first alternates), and the figures are the medians over the rounds. The server CPU time
 * per request (from /proc) is printed too: unlike requests/s it hardly depends on what else the machine runs.
 *
 * Flags: --connections 64 --duration 10 (seconds per round) --rounds 3 --warmup 3 (seconds).
 * Last line: {"bench":"api","connections":64,"rps":...,"p50_ms":...,"p99_ms":...,"bare_rps":...,"ratio_vs_bare":...}
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import Router from "@koa/router";
import autocannon from "autocannon";
import { createKoaStack } from "../../api/app.js";
import type { ApiState } from "../../api/context.js";
import { createApiMetrics } from "../../api/metrics.js";
import { createLogger } from "../../lib/log.js";
import { MlflowClient } from "../../lib/mlflow/index.js";
import { spy2yCsv, repoRoot } from "../../tests/helpers/data.js";
import { publishTrainedVersion } from "../../tests/helpers/model-registry.js";
import { findFreePort, startMlflowServer } from "../lib/mlflow-server.js";
import { ensurePythonEnv } from "../lib/python-env.js";

const BARE_ROUTE = "/constant";
/** Same keys and about the same size as a prediction answer. */
const BARE_BODY = {
  prediction: "DOWN",
  confidence: 0.465,
  threshold: 0.5,
  model_source: "mlflow",
  model_alias: "champion",
  model_name: "spy-direction",
  model_version: "1",
  run_id: "0123456789abcdef0123456789abcdef",
  as_of: "2023-09-29",
  for_date: "2023-10-02",
  generated_at: "2023-09-29T22:00:00.000Z",
  api_version: "1.0.0",
};
const THRESHOLDS = ["0.5", "0.3", "0.55", "0.7", "0.45", "1", "0", "0.125"];
const MODEL_NAME = "spy-direction-bench";

if (process.argv.includes("--bare-server")) {
  await serveBare(Number(process.env.API_PORT));
} else if (process.argv.includes("--raw-server")) {
  await serveRaw(Number(process.env.API_PORT));
} else {
  await main();
}

/** For context only: plain node:http answering the same constant body, no Koa and no middleware. */
async function serveRaw(port: number): Promise<void> {
  const body = JSON.stringify(BARE_BODY);
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    res.end(body);
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  await Promise.race([once(process, "SIGTERM"), once(process, "SIGINT")]);
  server.close();
  server.closeAllConnections();
}

/** The bare comparison server: the API's middleware stack around a constant JSON route. */
async function serveBare(port: number): Promise<void> {
  const logger = createLogger("api-bare");
  const router = new Router<ApiState>();
  router.get(BARE_ROUTE, (ctx) => {
    ctx.body = BARE_BODY;
  });
  const app = createKoaStack({ logger, metrics: createApiMetrics() }, router);
  const handle = app.callback();
  const server = createServer((req, res) => void handle(req, res));
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  await Promise.race([once(process, "SIGTERM"), once(process, "SIGINT")]);
  server.close();
  server.closeAllConnections();
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
  /** Server CPU time (user + system) per answered request, microseconds; NaN where /proc is not available. */
  cpuUsPerRequest: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      connections: { type: "string", default: "64" },
      duration: { type: "string", default: "10" },
      rounds: { type: "string", default: "3" },
      warmup: { type: "string", default: "3" },
    },
  });
  const connections = Number(values.connections);
  const duration = Number(values.duration);
  const rounds = Number(values.rounds);
  const warmup = Number(values.warmup);
  if (![connections, duration, rounds, warmup].every((n) => Number.isInteger(n) && n >= 1)) {
    throw new Error("--connections, --duration, --rounds and --warmup must be positive integers");
  }

  await ensurePythonEnv();
  const work = await mkdtemp(path.join(tmpdir(), "bench-api-"));
  const children: ChildProcess[] = [];
  const mlflow = await startMlflowServer({ dataDir: path.join(work, "mlflow") });
  try {
    console.log(`MLflow ${mlflow.uri} up in ${(mlflow.startupMs / 1000).toFixed(1)} s`);
    const client = new MlflowClient({ trackingUri: mlflow.uri });
    const published = await publishTrainedVersion(client, MODEL_NAME, { trees: 200, seed: 7 });
    await client.registry.setAlias(MODEL_NAME, "champion", published.version);
    console.log(`registered ${MODEL_NAME} version ${published.version} (200 trees) as champion`);

    const [apiPort, barePort, rawPort] = [await findFreePort(), await findFreePort(), await findFreePort()];
    const env = {
      ...process.env,
      LOG_LEVEL: "info",
      MLFLOW_TRACKING_URI: mlflow.uri,
      MODEL_NAME,
      MARKET_DATA_FILE: spy2yCsv(),
      API_HOST: "127.0.0.1",
    };
    const apiLog = path.join(work, "api.log");
    const bareLog = path.join(work, "bare.log");
    children.push(startNode(path.join(repoRoot, "api/server.ts"), [], { ...env, API_PORT: String(apiPort) }, apiLog));
    children.push(
      startNode(fileURLToPath(import.meta.url), ["--bare-server"], { ...env, API_PORT: String(barePort) }, bareLog),
    );
    children.push(
      startNode(fileURLToPath(import.meta.url), ["--raw-server"], { ...env, API_PORT: String(rawPort) }, bareLog),
    );
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const bareUrl = `http://127.0.0.1:${barePort}`;
    const rawUrl = `http://127.0.0.1:${rawPort}`;
    await waitFor(`${apiUrl}/readyz`, children[0]!);
    await waitFor(`${bareUrl}${BARE_ROUTE}`, children[1]!);
    await waitFor(rawUrl, children[2]!);
    const sample = (await (await fetch(`${apiUrl}/predictionForTomorrow?threshold=0.5`)).json()) as {
      confidence: number;
      model_version: string;
    };
    console.log(`API ready: version ${sample.model_version}, P(UP) ${sample.confidence}`);

    const apiTarget = {
      url: apiUrl,
      requests: THRESHOLDS.map((t) => ({ method: "GET" as const, path: `/predictionForTomorrow?threshold=${t}` })),
    };
    const bareTarget = { url: bareUrl, requests: [{ method: "GET" as const, path: BARE_ROUTE }] };
    console.log(`warm-up ${warmup} s each, then ${rounds} rounds of ${duration} s, ${connections} connections`);
    const [apiPid, barePid, rawPid] = children.map((child) => child.pid!);
    await drive(bareTarget, barePid!, connections, warmup);
    await drive(apiTarget, apiPid!, connections, warmup);
    const api: Figures[] = [];
    const bare: Figures[] = [];
    for (let round = 1; round <= rounds; round++) {
      // Alternate which goes first, so a change in machine load does not always favour the same side.
      if (round % 2 === 1) bare.push(await drive(bareTarget, barePid!, connections, duration));
      api.push(await drive(apiTarget, apiPid!, connections, duration));
      if (round % 2 === 0) bare.push(await drive(bareTarget, barePid!, connections, duration));
      console.log(`round ${round}: bare ${describe(bare.at(-1)!)} | API ${describe(api.at(-1)!)}`);
    }
    const raw = await drive({ url: rawUrl, requests: [{ method: "GET", path: "/" }] }, rawPid!, connections, duration);
    const apiFigures = medianFigures(api);
    const bareFigures = medianFigures(bare);
    const failed = api.concat(bare).reduce((sum, f) => sum + f.non2xx + f.errors, 0);
    console.log(`bare Koa route (same middleware): ${describe(bareFigures)}`);
    console.log(`API /predictionForTomorrow:       ${describe(apiFigures)}`);
    console.log(`(context) plain node:http, no Koa: ${describe(raw)}`);
    console.log(
      `request logs: API ${await sizeMb(apiLog)} MB, bare ${await sizeMb(bareLog)} MB; non-2xx or errors: ${failed}`,
    );
    if (failed > 0) throw new Error(`${failed} requests failed or answered non-2xx`);
    const ratio = apiFigures.rps / bareFigures.rps;
    if (!Number.isNaN(apiFigures.cpuUsPerRequest)) {
      const capacity = bareFigures.cpuUsPerRequest / apiFigures.cpuUsPerRequest;
      console.log(`server CPU per request, bare / API: ${capacity.toFixed(3)} (capacity ratio when CPU-bound)`);
    }
    console.log(
      `targets: ratio_vs_bare >= 0.9: ${ratio >= 0.9 ? "met" : "MISSED"}; p99_ms <= 10: ${apiFigures.p99 <= 10 ? "met" : "MISSED"}`,
    );
    console.log(
      JSON.stringify({
        bench: "api",
        connections,
        rps: Math.round(apiFigures.rps),
        p50_ms: apiFigures.p50,
        p99_ms: apiFigures.p99,
        bare_rps: Math.round(bareFigures.rps),
        ratio_vs_bare: Math.round(ratio * 1000) / 1000,
      }),
    );
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.filter((child) => child.exitCode === null).map((child) => once(child, "exit")));
    await mlflow.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** `node --import tsx file` with stdout and stderr appended to `logFile`. */
function startNode(file: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const fd = openSync(logFile, "a");
  try {
    return spawn(process.execPath, ["--import", "tsx", file, ...args], {
      cwd: repoRoot,
      env,
      stdio: ["ignore", fd, fd],
    });
  } finally {
    closeSync(fd);
  }
}

async function waitFor(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server for ${url} exited with code ${child.exitCode}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
}

async function drive(
  target: { url: string; requests: autocannon.Request[] },
  serverPid: number,
  connections: number,
  seconds: number,
): Promise<Figures> {
  const cpuBefore = cpuMs(serverPid);
  const result = await autocannon({ ...target, connections, duration: seconds });
  const cpuUsed = cpuMs(serverPid) - cpuBefore;
  return {
    cpuUsPerRequest: (cpuUsed * 1000) / result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  };
}

/** CPU time (user + system) a process has used so far, ms, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    const ticksPerSecond = 100; // USER_HZ on Linux
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function medianFigures(runs: Figures[]): Figures {
  const pick = (key: keyof Figures): number => median(runs.map((run) => run[key]));
  return {
    rps: pick("rps"),
    p50: pick("p50"),
    p99: pick("p99"),
    non2xx: pick("non2xx"),
    errors: pick("errors"),
    total: pick("total"),
    cpuUsPerRequest: pick("cpuUsPerRequest"),
  };
}

function describe(figures: Figures): string {
  const cpu = Number.isNaN(figures.cpuUsPerRequest)
    ? ""
    : `, server CPU ${figures.cpuUsPerRequest.toFixed(0)} µs/request`;
  return `${Math.round(figures.rps)} req/s, p50 ${figures.p50} ms, p99 ${figures.p99} ms${cpu} (${figures.total} requests)`;
}

async function sizeMb(file: string): Promise<string> {
  return ((await stat(file)).size / 1e6).toFixed(1);
}
