import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { venvPaths } from "./python-env.js";

export interface StartMlflowServerOptions {
  /** Holds the default SQLite database and log file. Created if missing. */
  dataDir: string;
  /** Interface to bind (default 127.0.0.1; 0.0.0.0 in containers). */
  host?: string;
  /** 0 or undefined: a free port. */
  port?: number;
  /** Default `sqlite:///<dataDir>/mlflow.db`; e.g. `postgresql+psycopg2://postgres@127.0.0.1:5432/mlflow`. */
  backendStoreUri?: string;
  /** Where the artifact proxy stores files (default `<dataDir>/artifacts`). */
  artifactsDir?: string;
  /** e.g. "basic-auth" (needs MLFLOW_AUTH_CONFIG_PATH and MLFLOW_FLASK_SERVER_SECRET_KEY in `env`). */
  appName?: string;
  /** Extra environment for the server (added to this process's environment). */
  env?: Record<string, string | undefined>;
  /** Server output, appended (default `<dataDir>/mlflow-server.log`). */
  logFile?: string;
  /** uvicorn workers (default 1: right for SQLite). */
  workers?: number;
  /** `--allowed-hosts` patterns (default: MLflow's localhost/private-network defaults). */
  allowedHosts?: readonly string[];
  /** How long to wait for GET /health (default 120 s). */
  startTimeoutMs?: number;
  /** Keep the server running after this process exits (for the CLI); default false. */
  detached?: boolean;
  /** The `mlflow` executable (default `.venv/bin/mlflow`). */
  mlflowBin?: string;
}

export interface MlflowServer {
  uri: string;
  host: string;
  port: number;
  /** Process id of `mlflow server`, also the id of its process group (uvicorn and any helper processes). */
  pid: number;
  logFile: string;
  backendStoreUri: string;
  artifactsDir: string;
  /** Milliseconds from spawn to the first healthy answer. */
  startupMs: number;
  /** SIGTERM to the whole process group, SIGKILL after `graceMs` (default 10 s); resolves when no process is left. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to the whole process group (a crash); resolves when no process is left. */
  kill(): Promise<void>;
}

/** The server did not start: the message includes the tail of its log. */
export class MlflowServerError extends Error {
  override readonly name = "MlflowServerError";
}

const LOG_TAIL_LINES = 30;
const HEALTH_POLL_MS = 250;
const DEFAULT_START_TIMEOUT_MS = 120_000;
const DEFAULT_GRACE_MS = 10_000;

/** Process groups of servers started by this process without `detached`: killed if this process exits. */
const ownedGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Starts `mlflow server` from the project virtualenv with a local artifact proxy (`--artifacts-destination`, no
 * `--default-artifact-root`, so runs get `mlflow-artifacts:/` URIs), one worker and MLflow's job runner off
 * (not used by this project; it forks seven more processes), then waits for GET /health. The server leads its own
 * process group so `stop()`/`kill()` leave no uvicorn child behind.
 */
export async function startMlflowServer(options: StartMlflowServerOptions): Promise<MlflowServer> {
  const attempts = options.port ? 1 : 3; // a free port can be taken between probing and binding: try another
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      const raced = error instanceof MlflowServerError && /address already in use|errno 98/i.test(error.message);
      if (!raced || attempt >= attempts) throw error;
    }
  }
}

async function startOnce(options: StartMlflowServerOptions): Promise<MlflowServer> {
  const dataDir = path.resolve(options.dataDir);
  const host = options.host ?? "127.0.0.1";
  const artifactsDir = path.resolve(options.artifactsDir ?? path.join(dataDir, "artifacts"));
  const logFile = path.resolve(options.logFile ?? path.join(dataDir, "mlflow-server.log"));
  const backendStoreUri = options.backendStoreUri ?? `sqlite:///${path.join(dataDir, "mlflow.db")}`;
  const mlflowBin = options.mlflowBin ?? venvPaths().mlflow;
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;

  if (!existsSync(mlflowBin)) {
    throw new MlflowServerError(`${mlflowBin} not found: run \`npm run python-env\` to create the virtualenv`);
  }
  await mkdir(dataDir, { recursive: true });
  await mkdir(artifactsDir, { recursive: true });
  await mkdir(path.dirname(logFile), { recursive: true });

  let port = options.port ?? 0;
  if (port === 0) port = await findFreePort(host);
  else if (!(await isPortFree(host, port))) {
    throw new MlflowServerError(`port ${port} on ${host} is already in use: stop what uses it or pick another port`);
  }

  const args = [
    "server",
    "--host",
    host,
    "--port",
    String(port),
    "--backend-store-uri",
    backendStoreUri,
    "--artifacts-destination",
    artifactsDir,
    "--workers",
    String(options.workers ?? 1),
    ...(options.appName ? ["--app-name", options.appName] : []),
    ...(options.allowedHosts ? ["--allowed-hosts", options.allowedHosts.join(",")] : []),
  ];

  const logOffset = existsSync(logFile) ? statSync(logFile).size : 0;
  const logFd = openSync(logFile, "a");
  writeSync(logFd, `\n=== ${new Date().toISOString()} ${mlflowBin} ${args.map(redact).join(" ")}\n`);
  let child: ChildProcess;
  try {
    child = spawn(mlflowBin, args, {
      cwd: dataDir,
      detached: true, // own process group: one signal reaches mlflow, uvicorn and any helper
      stdio: ["ignore", logFd, logFd],
      env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: "false", ...options.env },
    });
  } finally {
    closeSync(logFd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    await new Promise((resolve) => child.once("error", resolve));
    throw new MlflowServerError(`could not start ${mlflowBin}`);
  }
  if (!options.detached) trackGroup(pid);

  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = signal ? `was killed by ${signal}` : `exited with code ${code}`));
  const uri = `http://${host === "0.0.0.0" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host}:${port}`;
  const started = performance.now();

  const fail = async (why: string): Promise<never> => {
    await stopGroup(pid, 2_000);
    ownedGroups.delete(pid);
    throw new MlflowServerError(
      `mlflow server on ${uri} ${why}. Last lines of ${logFile}:\n${logTail(logFile, logOffset)}`,
    );
  };

  while (!(await isHealthy(uri))) {
    if (exited) await fail(exited);
    if (performance.now() - started > startTimeoutMs) {
      await fail(`did not answer GET /health within ${Math.round(startTimeoutMs / 1000)} s`);
    }
    await sleep(HEALTH_POLL_MS);
  }
  const startupMs = Math.round(performance.now() - started);
  if (options.detached) child.unref();

  return {
    uri,
    host,
    port,
    pid,
    logFile,
    backendStoreUri,
    artifactsDir,
    startupMs,
    stop: async (graceMs = DEFAULT_GRACE_MS) => {
      await stopGroup(pid, graceMs);
      ownedGroups.delete(pid);
    },
    kill: async () => {
      await stopGroup(pid, 0);
      ownedGroups.delete(pid);
    },
  };
}

/**
 * Stops the process group led by `pid`: SIGTERM, then SIGKILL once `graceMs` has passed (0: SIGKILL at once).
 * Resolves when no process of the group is left; throws if some survive SIGKILL for 10 s.
 */
export async function stopGroup(pid: number, graceMs: number = DEFAULT_GRACE_MS): Promise<void> {
  if (!groupAlive(pid)) return;
  signalGroup(pid, graceMs > 0 ? "SIGTERM" : "SIGKILL");
  if (await waitGroupGone(pid, graceMs)) return;
  signalGroup(pid, "SIGKILL");
  if (!(await waitGroupGone(pid, 10_000))) {
    throw new MlflowServerError(`processes of group ${pid} survived SIGKILL`);
  }
}

/** Whether any process of the group led by `pid` is alive. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether GET <uri>/health answers 200 within 2 s. */
export async function isHealthy(uri: string): Promise<boolean> {
  try {
    const response = await fetch(`${uri}/health`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** A port the OS reports free on `host` right now. */
export async function findFreePort(host = "127.0.0.1"): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error(`could not find a free port on ${host}`);
  return address.port;
}

/** Whether `port` can be bound on `host`. */
export async function isPortFree(host: string, port: number): Promise<boolean> {
  const server = net.createServer();
  const free = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, host, () => resolve(true));
  });
  if (free) await new Promise((resolve) => server.close(resolve));
  return free;
}

/** The last lines written to the log since `offset`. */
export function logTail(logFile: string, offset = 0, lines = LOG_TAIL_LINES): string {
  try {
    const text = readFileSync(logFile, "utf8").slice(offset);
    return text.trimEnd().split("\n").slice(-lines).join("\n") || "(empty)";
  } catch {
    return "(no log)";
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

async function waitGroupGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (groupAlive(pid)) {
    if (performance.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

function trackGroup(pid: number): void {
  ownedGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const group of ownedGroups) signalGroup(group, "SIGKILL");
  });
}

/** Hides a password in a database URI before it goes to the log. */
function redact(arg: string): string {
  return arg.replace(/(\/\/[^:/@]+:)[^@]+@/, "$1***@");
}
