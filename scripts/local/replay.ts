// Replays the training job as of each NYSE trading day of a date range, so the registry holds a realistic
// history of daily versions, promotions and metrics (demos, monitoring). See --help.
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { runCli, UsageError } from "../../lib/cli.js";
import { envSchemas, loadEnv } from "../../lib/config.js";
import { EXIT_CODES } from "../../lib/exit-codes.js";
import { loadTrainConfig } from "../../jobs/train/config.js";
import { ALIASES } from "../../lib/registry/names.js";
import { marketEnvSchema } from "../../lib/market/source-config.js";
import { MlflowClient, mlflowConnectionFromEnv, type ModelVersion } from "../../lib/mlflow/index.js";
import { isPortFree, startMlflowServer, type MlflowServer } from "../lib/mlflow-server.js";
import { ensurePythonEnv } from "../lib/python-env.js";
import { readChampion } from "./champion.js";
import { childEnvironment, loadLocalLabConfig, type LocalLabConfig } from "./config.js";
import { entryCommand } from "./entry-points.js";
import { describeHolder, tryLock } from "./lock.js";
import { checkDataFile, checkYahoo, LabError } from "./preflight.js";
import { describeExit, LabOutput, Supervisor, type ExitStatus, type SupervisedProcess } from "./processes.js";
import { planReplay } from "./replay-plan.js";
import { describeVersion, replaySummary, type DayOutcome, type DayResult } from "./replay-report.js";
import { describeDelay, describeDuration } from "./schedule.js";
import { runningLab } from "./state.js";

const USAGE = `usage: npm run replay -- --from YYYY-MM-DD --to YYYY-MM-DD [--data-file FILE] [--retries N] [--verbose]

Runs the training job as of each NYSE trading day from --from to --to (both included), oldest first, so the model
registry holds one version per day with its metrics and promotion decision, as if the lab had run every evening.

  --from, --to       the date range (days whose session has not closed yet, or after the data's last day, are left out)
  --data-file FILE   market data from a CSV file (default: MARKET_DATA_FILE, else the running lab's, else Yahoo)
  --retries N        retries of a day whose run failed transiently (exit 1), with backoff (default 2)
  --verbose          show the job's output (it always goes to LAB_DIR/logs/train.log)

MLflow: MLFLOW_TRACKING_URI if set; else the running local lab's (npm start); else the lab's MLflow is started
from LAB_DIR for the replay and stopped afterwards. Training settings (N_ESTIMATORS, EVAL_DAYS, ...) come from the
environment as for the job. A run that fails with exit 2 (bad configuration or data) stops the replay; after
3 days in a row fail transiently it stops too. Days already trained are skipped by the job (idempotent).`;

/** Days in a row that may fail transiently before the replay gives up (MLflow or the data source is down). */
const MAX_CONSECUTIVE_FAILED_DAYS = 3;
const RETRY_BASE_DELAY_MS = 5_000;

interface ReplayFlags {
  from: string;
  to: string;
  dataFile: string | undefined;
  retries: number;
  verbose: boolean;
}

function parseReplayArgs(argv: readonly string[]): ReplayFlags | undefined {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        from: { type: "string" },
        to: { type: "string" },
        "data-file": { type: "string" },
        retries: { type: "string" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) return undefined;
  const date = (name: "from" | "to"): string => {
    const parsed = envSchemas.isoDate().safeParse(values[name]);
    if (!parsed.success) {
      throw new UsageError(
        `--${name} needs a real date written as YYYY-MM-DD (got ${String(values[name])})\n\n${USAGE}`,
      );
    }
    return parsed.data;
  };
  const retries = z.coerce
    .number()
    .int()
    .min(0)
    .max(10)
    .safeParse(values.retries ?? "2");
  if (!retries.success) throw new UsageError(`--retries must be a whole number 0..10 (got ${String(values.retries)})`);
  const dataFile = typeof values["data-file"] === "string" ? values["data-file"] : undefined;
  return { from: date("from"), to: date("to"), dataFile, retries: retries.data, verbose: values.verbose === true };
}

await runCli("replay", async () => {
  const flags = parseReplayArgs(process.argv.slice(2));
  if (!flags) {
    console.log(USAGE);
    return;
  }
  const config = loadLocalLabConfig(flags.dataFile);
  const lab = runningLab(config.paths.stateFile);
  const dataFile = config.dataFile ?? lab?.dataFile ?? undefined;
  const external = process.env.MLFLOW_TRACKING_URI?.trim() ? mlflowConnectionFromEnv() : undefined;
  const provisionalUri = external?.trackingUri ?? lab?.mlflow.uri ?? `http://127.0.0.1:${config.mlflowPort}`;
  const jobEnvFor = (uri: string) => childEnvironment({ ...config, dataFile }, uri);
  const train = loadTrainConfig({ help: false }, jobEnvFor(provisionalUri));

  let data: { firstDate: string; lastDate: string } | undefined;
  if (dataFile) data = await checkDataFile(dataFile);
  else
    await checkYahoo(loadEnv(marketEnvSchema, process.env), {
      hint: `npm run replay -- --data-file ../shared/data/spy-daily.csv --from ${flags.from} --to ${flags.to}`,
    });
  const plan = planReplay({ from: flags.from, to: flags.to, now: new Date(), ...(data ? { data } : {}) });

  const output = new LabOutput(process.stdout, ["replay", "mlflow", "train"]);
  const supervisor = new Supervisor(output, config.paths.logDir);
  const say = (text: string): void => supervisor.say(text, "replay");
  for (const note of plan.notes) say(`note: ${note}`);

  const locked = tryLock(config.paths.trainingLock, "replay");
  if (!locked.acquired) {
    throw new LabError(
      `a ${describeHolder(locked.holder)} is training in ${config.paths.labDir}: wait for it to finish`,
      EXIT_CODES.transient,
    );
  }
  let ownMlflow: MlflowServer | undefined;
  let current: SupervisedProcess | undefined;
  let interrupted = false;
  const interruption = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    interruption.abort();
    say(`${signal}: stopping after the current run is stopped...`);
    void current?.stop(config.stopGraceMs);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    let trackingUri = provisionalUri;
    if (!external && !lab) {
      ownMlflow = await startLabMlflow(config, say);
      trackingUri = ownMlflow.uri;
    }
    const client = new MlflowClient({
      ...mlflowConnectionFromEnv({ ...process.env, MLFLOW_TRACKING_URI: trackingUri }),
      retry: { retries: 3, maxDelayMs: 2_000 },
    });
    const source = dataFile ? `CSV file ${dataFile}` : "Yahoo Finance";
    say(
      `replaying ${plan.days.length} trading day(s) ${plan.days[0]} .. ${plan.days.at(-1)} into ${trackingUri} ` +
        `(model ${train.modelName}, experiment ${train.experimentName}, data: ${source})`,
    );

    const results: DayResult[] = [];
    const known = new Set((await listVersions(client, train.modelName)).map((v) => v.version));
    const championBefore = (await readChampion(client, train.modelName, ALIASES.champion))?.version;
    const started = performance.now();
    let failedInARow = 0;
    for (const [index, day] of plan.days.entries()) {
      if (interrupted) break;
      const dayStarted = performance.now();
      let status: ExitStatus | undefined;
      for (let attempt = 0; ; attempt++) {
        current = supervisor.spawn({
          name: "train",
          ...entryCommand("train", ["--as-of", day]),
          env: jobEnvFor(trackingUri),
          echo: flags.verbose,
        });
        status = await current.exited;
        const failedRun = current;
        current = undefined;
        if (status.code === 0 || status.code === EXIT_CODES.badConfig || interrupted || attempt >= flags.retries) {
          if (status.code !== 0 && !interrupted) {
            for (const line of failedRun.tail(12)) output.line("train", line);
          }
          break;
        }
        const delayMs = RETRY_BASE_DELAY_MS * 3 ** attempt;
        say(
          `${day}: transient failure (${describeExit(status)}); retry ${attempt + 1} of ${flags.retries} ` +
            `${describeDelay(delayMs)}`,
        );
        await sleep(delayMs, undefined, { signal: interruption.signal }).catch(() => undefined);
      }
      const versions = (await listVersions(client, train.modelName).catch(() => [])).filter(
        (version) => !known.has(version.version),
      );
      for (const version of versions) known.add(version.version);
      const champion = (await readChampion(client, train.modelName, ALIASES.champion).catch(() => undefined))?.version;
      const outcome: DayOutcome = interrupted
        ? "interrupted"
        : status?.code === 0
          ? versions.length > 0
            ? "trained"
            : "already_done"
          : status?.code === EXIT_CODES.badConfig
            ? "bad_config"
            : "failed";
      const seconds = (performance.now() - dayStarted) / 1000;
      results.push({ day, outcome, versions, champion });

      const done = index + 1;
      const remaining = plan.days.length - done;
      const eta =
        remaining > 0 ? `, about ${describeDuration(((performance.now() - started) / done) * remaining)} left` : "";
      const what =
        outcome === "trained"
          ? versions.map(describeVersion).join("; ")
          : outcome === "already_done"
            ? "already trained for this as-of date (no new version)"
            : `${outcome.replace("_", " ")}${status ? ` (${describeExit(status)})` : ""}`;
      const width = String(plan.days.length).length;
      say(
        `[${String(done).padStart(width)}/${plan.days.length}] ${day}  ${what}  ` +
          `champion ${champion ?? "none"}  ${seconds.toFixed(1)} s${eta}`,
      );

      if (outcome === "bad_config") {
        say(
          `stopping: the job rejected its configuration or data (exit 2); retrying cannot help. Log: ${supervisor.logFile("train")}`,
        );
        break;
      }
      failedInARow = outcome === "failed" ? failedInARow + 1 : 0;
      if (failedInARow >= MAX_CONSECUTIVE_FAILED_DAYS) {
        say(
          `stopping: ${failedInARow} days in a row failed; is MLflow or the data source down? Log: ${supervisor.logFile("train")}`,
        );
        break;
      }
    }
    for (const line of replaySummary(results, plan.days.length, championBefore)) say(line);
    say(`  browse: ${trackingUri}/#/models/${encodeURIComponent(train.modelName)}`);
    if (interrupted) return 130;
    if (results.some((r) => r.outcome === "bad_config")) return EXIT_CODES.badConfig;
    return results.some((r) => r.outcome === "failed") || results.length < plan.days.length ? EXIT_CODES.transient : 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await current?.stop(config.stopGraceMs);
    if (ownMlflow) {
      say(`stopping the MLflow server started for the replay (pid ${ownMlflow.pid})`);
      await ownMlflow.stop(config.stopGraceMs);
    }
    locked.lock.release();
    await supervisor.closeLogs();
  }
});

async function startLabMlflow(config: LocalLabConfig, say: (text: string) => void): Promise<MlflowServer> {
  if (!(await isPortFree("127.0.0.1", config.mlflowPort))) {
    throw new LabError(
      `port ${config.mlflowPort} (MLFLOW_PORT) is in use and no local lab runs from ${config.paths.labDir}: ` +
        "set MLFLOW_TRACKING_URI to replay into the MLflow server that runs there, or MLFLOW_PORT to a free port",
      EXIT_CODES.badConfig,
    );
  }
  await ensurePythonEnv({ log: (line) => say(line.trim()) });
  say(`no local lab is running: starting its MLflow server from ${config.paths.mlflowDir} for the replay...`);
  const server = await startMlflowServer({
    dataDir: config.paths.mlflowDir,
    host: "127.0.0.1",
    port: config.mlflowPort,
    logFile: `${config.paths.logDir}/mlflow.log`,
  });
  say(`MLflow is up at ${server.uri} (${(server.startupMs / 1000).toFixed(1)} s)`);
  return server;
}

async function listVersions(client: MlflowClient, model: string): Promise<ModelVersion[]> {
  return client.registry.searchVersions({ filter: `name='${model.replaceAll("'", "\\'")}'` });
}
