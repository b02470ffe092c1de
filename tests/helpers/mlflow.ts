// Helpers for tests that talk to a real MLflow server: the shared one from tests/integration/global-setup.ts,
// or their own (startTestMlflow), plus request recording, names and a throwaway PostgreSQL database.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { inject } from "vitest";
import { MlflowClient, type FetchLike, type MlflowClientOptions } from "../../lib/mlflow/index.js";
import {
  startMlflowServer,
  type MlflowServer,
  type StartMlflowServerOptions,
} from "../../scripts/lib/mlflow-server.js";
import { venvPaths } from "../../scripts/lib/python-env.js";

const run = promisify(execFile);

/** URI of the MLflow server shared by the integration suite. */
export function sharedTrackingUri(): string {
  return inject("mlflowTrackingUri");
}

/** A name no other test (or earlier run against the same server) uses: `prefix-<time>-<random>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}

/** Fast retries so a failing test fails fast; override per test. */
export const TEST_RETRY = { retries: 2, baseDelayMs: 20, maxDelayMs: 100 };

/** A client of `trackingUri` (default: the shared server) with fast retries. */
export function testClient(options: Partial<MlflowClientOptions> = {}): MlflowClient {
  return new MlflowClient({ trackingUri: sharedTrackingUri(), retry: TEST_RETRY, ...options });
}

export interface FetchCall {
  method: string;
  /** URL path without the query. */
  path: string;
  /** HTTP status, the network error code, "dropped" (answer thrown away by the test) or "pending". */
  outcome: number | string;
}

export interface InstrumentedFetch {
  fetch: FetchLike;
  calls: FetchCall[];
  /** Number of requests whose path ends with `pathSuffix` (and used `method`, if given). */
  count(pathSuffix: string, method?: string): number;
}

/**
 * Global fetch that records every request. With `dropAnswerOnce`, the first matching request is delivered to the
 * server and processed, but its answer is replaced by a lost-connection error: the client sees a failure after the
 * server applied the call (what a reset, a proxy timeout or a crash mid-answer look like).
 */
export function instrumentedFetch(
  options: { dropAnswerOnce?: (method: string, path: string) => boolean } = {},
): InstrumentedFetch {
  const calls: FetchCall[] = [];
  let dropped = false;
  const fetchImpl: FetchLike = async (input, init) => {
    const method = init.method ?? "GET";
    const call: FetchCall = { method, path: new URL(input).pathname, outcome: "pending" };
    calls.push(call);
    let response: Response;
    try {
      response = await fetch(input, init);
    } catch (error) {
      call.outcome = errorCode(error);
      throw error;
    }
    call.outcome = response.status;
    if (!dropped && options.dropAnswerOnce?.(method, call.path)) {
      dropped = true;
      await response.body?.cancel();
      call.outcome = "dropped";
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
      });
    }
    return response;
  };
  return {
    fetch: fetchImpl,
    calls,
    count: (pathSuffix, method) =>
      calls.filter((call) => call.path.endsWith(pathSuffix) && (method === undefined || call.method === method)).length,
  };
}

function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const { code, cause, name } = current as { code?: unknown; cause?: unknown; name?: unknown };
    if (typeof code === "string") return code;
    if (!cause) return typeof name === "string" ? name : "error";
    current = cause;
  }
  return "error";
}

export interface TestMlflow {
  server: MlflowServer;
  dataDir: string;
  /** A client of this server with fast retries (override anything). */
  client(options?: Partial<MlflowClientOptions>): MlflowClient;
  /** Stops the server and deletes its folder. */
  cleanup(): Promise<void>;
}

/** Starts a private MLflow server (SQLite + artifacts in a temporary folder unless given). ~10-15 s. */
export async function startTestMlflow(options: Partial<StartMlflowServerOptions> = {}): Promise<TestMlflow> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), "mlflow-test-")));
  const server = await startMlflowServer({ ...options, dataDir });
  return {
    server,
    dataDir,
    client: (clientOptions = {}) => new MlflowClient({ trackingUri: server.uri, retry: TEST_RETRY, ...clientOptions }),
    cleanup: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Files and environment for `mlflow server --app-name basic-auth` with a generated admin user and secret key
 * (written under `dir`).
 */
export async function basicAuthSetup(
  dir: string,
): Promise<{ env: Record<string, string>; username: string; password: string }> {
  const username = "lab-admin";
  const password = randomBytes(12).toString("hex");
  const configPath = path.join(dir, "basic_auth.ini");
  await writeFile(
    configPath,
    [
      "[mlflow]",
      "default_permission = READ",
      `database_uri = sqlite:///${path.join(dir, "basic_auth.db")}`,
      `admin_username = ${username}`,
      `admin_password = ${password}`,
      "authorization_function = mlflow.server.auth:authenticate_request_basic_auth",
      "",
    ].join("\n"),
  );
  return {
    env: { MLFLOW_AUTH_CONFIG_PATH: configPath, MLFLOW_FLASK_SERVER_SECRET_KEY: randomBytes(24).toString("hex") },
    username,
    password,
  };
}

/** Connection to the machine's PostgreSQL (PGHOST/PGPORT/PGUSER, default 127.0.0.1:5432 user postgres, trust auth). */
const postgres = {
  host: process.env.PGHOST ?? "127.0.0.1",
  port: process.env.PGPORT ?? "5432",
  user: process.env.PGUSER ?? "postgres",
};

const SQL_SCRIPT = `
import json, os, sys, psycopg2
conn = psycopg2.connect(host=os.environ["PG_HOST"], port=os.environ["PG_PORT"], user=os.environ["PG_USER"],
                        password=os.environ.get("PGPASSWORD"), dbname=sys.argv[1], connect_timeout=10)
conn.autocommit = True
cur = conn.cursor()
cur.execute(sys.argv[2])
print(json.dumps(cur.fetchall() if cur.description else [], default=str))
`;

/** Runs one SQL statement in `database` with psycopg2 from the project virtualenv; returns the rows. */
export async function postgresQuery(database: string, sql: string): Promise<unknown[][]> {
  try {
    const { stdout } = await run(venvPaths().python, ["-c", SQL_SCRIPT, database, sql], {
      env: { ...process.env, PG_HOST: postgres.host, PG_PORT: postgres.port, PG_USER: postgres.user },
    });
    return JSON.parse(stdout) as unknown[][];
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    const lastLine = (stderr ?? "").trim().split("\n").at(-1);
    throw new Error(
      `PostgreSQL query failed on ${postgres.user}@${postgres.host}:${postgres.port}/${database} ` +
        `(the suite needs a local PostgreSQL; set PGHOST/PGPORT/PGUSER/PGPASSWORD otherwise): ` +
        `${lastLine || (error as Error).message}`,
      { cause: error },
    );
  }
}

/** Creates a uniquely named database; `drop()` removes it (closing any connection left). */
export async function createPostgresDatabase(): Promise<{
  name: string;
  backendStoreUri: string;
  drop(): Promise<void>;
}> {
  const name = `mlflow_it_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  await postgresQuery("postgres", `CREATE DATABASE "${name}"`);
  return {
    name,
    backendStoreUri: `postgresql+psycopg2://${postgres.user}@${postgres.host}:${postgres.port}/${name}`,
    drop: async () => {
      await postgresQuery("postgres", `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
