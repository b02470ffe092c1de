// A local MLflow server for development: npm run mlflow -- start|stop|status [options] (see --help).
// State (server.json with the pid, the log, the SQLite database, the artifacts) lives in .lab/mlflow-dev/.
import { existsSync, readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { runCli, UsageError } from "../lib/cli.js";
import { envSchemas } from "../lib/config.js";
import { groupAlive, isHealthy, startMlflowServer, stopGroup } from "./lib/mlflow-server.js";
import { ensurePythonEnv, repoRoot } from "./lib/python-env.js";

const USAGE = `usage: npm run mlflow -- <start|stop|status> [options]
  start    start a local MLflow server in the background and print its URI
           (prints the URI of the running one if it is already up)
  stop     stop it (SIGTERM, then SIGKILL after 10 s)
  status   print the URI and exit 0 if it is up, else print "stopped" and exit 1
options (start):
  --port N                  port (default 5000; 0 = any free port)
  --host HOST               interface (default 127.0.0.1)
  --backend-store-uri URI   default: SQLite in the state dir; e.g. postgresql+psycopg2://postgres@127.0.0.1:5432/mlflow
  --app-name NAME           e.g. basic-auth (needs MLFLOW_AUTH_CONFIG_PATH and MLFLOW_FLASK_SERVER_SECRET_KEY)
options (all):
  --state-dir DIR           default .lab/mlflow-dev`;

interface ServerState {
  pid: number;
  uri: string;
  logFile: string;
  startedAt: string;
}

await runCli("mlflow", async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "backend-store-uri": { type: "string" },
      "app-name": { type: "string" },
      "state-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const [command = "", ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(" ")}\n${USAGE}`);
  const stateDir = path.resolve(values["state-dir"] ?? path.join(repoRoot, ".lab", "mlflow-dev"));
  const stateFile = path.join(stateDir, "server.json");

  switch (command) {
    case "start": {
      const port = parsePort(values.port);
      const running = await readRunning(stateFile);
      if (running) {
        if (values.port !== undefined && port !== 0 && !running.uri.endsWith(`:${port}`)) {
          process.stderr.write(`mlflow: already running at ${running.uri}; stop it first to change the options\n`);
        }
        console.log(running.uri);
        return;
      }
      await ensurePythonEnv();
      process.stderr.write(`mlflow: starting in ${stateDir} (10-30 s)...\n`);
      const server = await startMlflowServer({
        dataDir: stateDir,
        host: values.host,
        port,
        backendStoreUri: values["backend-store-uri"],
        appName: values["app-name"],
        detached: true,
      });
      const state: ServerState = {
        pid: server.pid,
        uri: server.uri,
        logFile: server.logFile,
        startedAt: new Date().toISOString(),
      };
      await writeFile(stateFile, `${JSON.stringify(state, null, 2)}\n`);
      process.stderr.write(
        `mlflow: started in ${(server.startupMs / 1000).toFixed(1)} s (pid ${server.pid}, log ${server.logFile})\n`,
      );
      console.log(server.uri);
      return;
    }
    case "stop": {
      const state = readState(stateFile);
      if (!state || !isOurServer(state.pid)) {
        await rm(stateFile, { force: true });
        console.log("not running");
        return;
      }
      await stopGroup(state.pid);
      await rm(stateFile, { force: true });
      console.log(`stopped (was ${state.uri})`);
      return;
    }
    case "status": {
      const running = await readRunning(stateFile);
      if (running) {
        console.log(running.uri);
        return;
      }
      console.log("stopped");
      return 1;
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
  }
});

function parsePort(value: string | undefined): number {
  if (value === undefined) return 5000;
  const parsed = envSchemas.port(true).safeParse(value);
  if (!parsed.success) throw new UsageError(`--port must be 0..65535 (got "${value}")`);
  return parsed.data;
}

function readState(stateFile: string): ServerState | undefined {
  if (!existsSync(stateFile)) return undefined;
  try {
    const state = JSON.parse(readFileSync(stateFile, "utf8")) as Partial<ServerState>;
    return typeof state.pid === "number" && typeof state.uri === "string" ? (state as ServerState) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The recorded server if it is alive and healthy; undefined if it is gone (the stale state file is removed).
 * Alive but not healthy is an error: it may still be starting, or be stuck.
 */
async function readRunning(stateFile: string): Promise<ServerState | undefined> {
  const state = readState(stateFile);
  if (!state) return undefined;
  if (!isOurServer(state.pid)) {
    await rm(stateFile, { force: true });
    return undefined;
  }
  if (await isHealthy(state.uri)) return state;
  throw new Error(
    `MLflow (pid ${state.pid}) is running but ${state.uri}/health does not answer: ` +
      `see ${state.logFile}, or run \`npm run mlflow -- stop\``,
  );
}

/** Whether `pid` still leads a live process group running MLflow (guards against a reused pid). */
function isOurServer(pid: number): boolean {
  if (!groupAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("mlflow");
  } catch {
    return true; // no /proc, or the leader exited while its children (same group) still run
  }
}
