// Settings of the local lab (npm start, npm run replay): typed defaults < environment < flags, validated once.
// Every other variable (training settings such as N_ESTIMATORS, the API's CHAMPION_POLL_SECONDS, LOG_LEVEL, ...)
// passes through to the children unchanged; the lab only sets what wires them together.
import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { UsageError } from "../../lib/cli.js";
import { envSchemas, loadEnv } from "../../lib/config.js";
import { repoRoot } from "../lib/python-env.js";

type Env = Record<string, string | undefined>;

export const localLabEnvSchema = z
  .object({
    API_PORT: envSchemas.port().default(30951),
    /** The API listens here; 127.0.0.1 keeps the laptop's API private (0.0.0.0 to share it on the network). */
    API_HOST: z.string().trim().min(1).default("127.0.0.1"),
    MLFLOW_PORT: envSchemas.port().default(5000),
    /** Default: .lab in the repository (git-ignored). */
    LAB_DIR: z.string().trim().min(1).optional(),
    MARKET_DATA_FILE: z.string().trim().min(1).optional(),
    /** How long Ctrl-C waits for each child to exit before SIGKILL. */
    LAB_STOP_GRACE_SECONDS: z.coerce.number().positive().max(600).default(10),
  })
  .refine((env) => env.API_PORT !== env.MLFLOW_PORT, {
    path: ["MLFLOW_PORT"],
    message: "must differ from API_PORT",
  });

export const DEFAULT_LAB_DIR = path.join(repoRoot, ".lab");

/** Files and folders of the local lab, all under LAB_DIR. */
export interface LabPaths {
  labDir: string;
  /** The MLflow server's folder: mlflow.db (SQLite) and artifacts/. */
  mlflowDir: string;
  /** One log file per process: lab.log, mlflow.log, train.log, api.log. */
  logDir: string;
  /** The running lab's pids and URLs (local-lab.json), removed on a clean stop. */
  stateFile: string;
  /** Held while a training runs, so the scheduler, the first training and a replay never overlap. */
  trainingLock: string;
}

export function labPaths(labDir: string): LabPaths {
  return {
    labDir,
    mlflowDir: path.join(labDir, "mlflow"),
    logDir: path.join(labDir, "logs"),
    stateFile: path.join(labDir, "local-lab.json"),
    trainingLock: path.join(labDir, "training.lock"),
  };
}

export interface LocalLabConfig {
  apiPort: number;
  apiHost: string;
  mlflowPort: number;
  /** Absolute path of the CSV file, or undefined for Yahoo Finance. */
  dataFile: string | undefined;
  stopGraceMs: number;
  paths: LabPaths;
}

export const START_USAGE = `usage: npm start [-- --data-file FILE]

Runs the whole lab on this machine: an MLflow server (SQLite and artifacts under LAB_DIR), a first training,
the training schedule of k8s/base/training-cronjob.yaml, the monitor on the schedule of
k8s/base/monitor-cronjob.yaml, and the prediction API (dashboard at /dashboard). Ctrl-C stops everything.

  --data-file FILE   read SPY daily bars from a CSV file instead of Yahoo Finance (same as MARKET_DATA_FILE)

Environment: API_PORT (30951), API_HOST (127.0.0.1), MLFLOW_PORT (5000), LAB_DIR (.lab), MARKET_DATA_FILE
(unset: Yahoo Finance), LAB_STOP_GRACE_SECONDS (10); every training and API variable (N_ESTIMATORS, EVAL_DAYS,
CHAMPION_POLL_SECONDS, LOG_LEVEL, ...) passes through to the job and the API.`;

/** Relative paths are taken from where the user ran npm (INIT_CWD), else from the current directory. */
export function resolveUserPath(value: string, env: Env = process.env): string {
  return path.resolve(env.INIT_CWD ?? process.cwd(), value);
}

/**
 * The lab's settings from `env` and the command-line flags (`--data-file` wins over MARKET_DATA_FILE). Throws a
 * ConfigError listing every invalid variable, or a UsageError for a bad flag.
 */
export function loadLocalLabConfig(dataFileFlag: string | undefined, env: Env = process.env): LocalLabConfig {
  const vars = loadEnv(localLabEnvSchema, env);
  const dataFile = dataFileFlag ?? vars.MARKET_DATA_FILE;
  const labDir = vars.LAB_DIR === undefined ? DEFAULT_LAB_DIR : resolveUserPath(vars.LAB_DIR, env);
  return {
    apiPort: vars.API_PORT,
    apiHost: vars.API_HOST,
    mlflowPort: vars.MLFLOW_PORT,
    dataFile: dataFile === undefined ? undefined : resolveUserPath(dataFile, env),
    stopGraceMs: Math.round(vars.LAB_STOP_GRACE_SECONDS * 1000),
    paths: labPaths(labDir),
  };
}

export interface StartFlags {
  dataFile: string | undefined;
  help: boolean;
}

/** `npm start` flags: `--data-file FILE`, `--help`. */
export function parseStartArgs(argv: readonly string[]): StartFlags {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { "data-file": { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    });
    const dataFile = values["data-file"]?.trim();
    if (dataFile === "") throw new Error("--data-file needs a file path");
    return { dataFile, help: values.help ?? false };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${START_USAGE}`);
  }
}

/**
 * Defaults the lab gives its children when the user did not set them. The API polls the champion alias every 5 s
 * instead of its cluster default of 30 s: on one machine the call is cheap, and a promotion or rollback shows at once.
 * The training settings keep the job's own defaults (a full-history run takes about 30 s on 2 cores).
 */
export const LOCAL_CHILD_DEFAULTS: Readonly<Record<string, string>> = { CHAMPION_POLL_SECONDS: "5" };

/** Training settings the lab never passes on: a schedule with a fixed as-of date or a dry run makes no sense. */
const JOB_VARIABLES_NOT_PASSED = ["TRAIN_AS_OF", "TRAIN_DRY_RUN"] as const;

/**
 * The environment of the lab's children: the user's (so every job and API setting passes through), plus what
 * wires them to the lab: its MLflow server, the data file as an absolute path, and the API's address.
 */
export function childEnvironment(
  config: Pick<LocalLabConfig, "apiPort" | "apiHost" | "dataFile">,
  trackingUri: string,
  env: Env = process.env,
): NodeJS.ProcessEnv {
  const child: NodeJS.ProcessEnv = { ...env, MLFLOW_TRACKING_URI: trackingUri };
  for (const [name, value] of Object.entries(LOCAL_CHILD_DEFAULTS)) {
    if (!child[name]?.trim()) child[name] = value;
  }
  for (const name of JOB_VARIABLES_NOT_PASSED) delete child[name];
  if (config.dataFile === undefined) delete child.MARKET_DATA_FILE;
  else child.MARKET_DATA_FILE = config.dataFile;
  child.API_PORT = String(config.apiPort);
  child.API_HOST = config.apiHost;
  return child;
}

/** The URL people and tests use to reach the API (loopback when it listens on every interface). */
export function apiBaseUrl(config: Pick<LocalLabConfig, "apiPort" | "apiHost">): string {
  const host = config.apiHost === "0.0.0.0" || config.apiHost === "::" ? "127.0.0.1" : config.apiHost;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.apiPort}`;
}
