// The local lab's lifecycle: MLflow, the API, a first training, the schedule; then, on Ctrl-C (or a fatal
// problem), everything stopped in order: the scheduler, the training and the API, then MLflow.
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { EXIT_CODES } from "../../lib/exit-codes.js";
import { exitCodeFor } from "../../lib/cli.js";
import { MlflowClient, type ModelVersion } from "../../lib/mlflow/index.js";
import { groupAlive, startMlflowServer, stopGroup, type MlflowServer } from "../lib/mlflow-server.js";
import { ensurePythonEnv } from "../lib/python-env.js";
import { readChampion, waitForServing } from "./champion.js";
import { apiBaseUrl, childEnvironment, type LocalLabConfig } from "./config.js";
import { entryCommand } from "./entry-points.js";
import { describeHolder, tryLock } from "./lock.js";
import { describeExit, LabOutput, Supervisor, type ExitStatus, type SupervisedProcess } from "./processes.js";
import { describeRunTime, startSchedule, type CronSchedule, type ScheduledTask } from "./schedule.js";
import { removeLabState, writeLabState, type LabState } from "./state.js";

export interface LocalLabOptions {
  config: LocalLabConfig;
  schedule: CronSchedule;
  /** The monitor's schedule (from the monitor CronJob's manifest). */
  monitorSchedule: CronSchedule;
  /** Registered model and alias the API serves (from the API's configuration). */
  modelName: string;
  modelAlias: string;
  /** The user's environment (passed on to the children). */
  env?: NodeJS.ProcessEnv;
  output?: LabOutput;
}

/** Seconds since `start` (performance.now()), one decimal. */
const secondsSince = (start: number): string => ((performance.now() - start) / 1000).toFixed(1);

const MLFLOW_WATCH_MS = 2_000;
/** A second Ctrl-C sooner than this after the first is the same key press delivered twice (npm and tsx relay it). */
const FORCE_AFTER_MS = 1_500;

export class LocalLab {
  private readonly config: LocalLabConfig;
  private readonly supervisor: Supervisor;
  private readonly env: NodeJS.ProcessEnv;
  private readonly apiUrl: string;
  private mlflow: MlflowServer | undefined;
  private mlflowStarting: Promise<MlflowServer> | undefined;
  private client: MlflowClient | undefined;
  private api: SupervisedProcess | undefined;
  private training: SupervisedProcess | undefined;
  private scheduler: ScheduledTask | undefined;
  private monitorScheduler: ScheduledTask | undefined;
  private monitor: SupervisedProcess | undefined;
  private mlflowWatch: NodeJS.Timeout | undefined;
  private stopping: { at: number; done: Promise<number> } | undefined;
  private readonly startedAt = new Date().toISOString();
  private resolveFinished: (code: number) => void = () => undefined;
  private readonly finished = new Promise<number>((resolve) => (this.resolveFinished = resolve));

  constructor(private readonly options: LocalLabOptions) {
    this.config = options.config;
    this.env = options.env ?? process.env;
    this.supervisor = new Supervisor(options.output ?? new LabOutput(), this.config.paths.logDir);
    this.apiUrl = apiBaseUrl(this.config);
  }

  private say(text: string): void {
    this.supervisor.say(text);
  }

  /**
   * Starts everything and resolves with the exit code once the lab has stopped: 0 after Ctrl-C/SIGTERM, non-zero
   * when it could not start or the API died.
   */
  async run(): Promise<number> {
    const onSignal = (signal: NodeJS.Signals): void => this.onSignal(signal);
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    process.on("SIGHUP", onSignal);
    void this.startUp().catch((error: unknown) => {
      void this.stop(exitCodeFor(error), `cannot start the lab: ${(error as Error).message}`);
    });
    try {
      return await this.finished;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.off("SIGHUP", onSignal);
    }
  }

  private async startUp(): Promise<void> {
    const { paths } = this.config;
    const started = performance.now();
    this.say(`lab folder: ${paths.labDir} (logs in ${paths.logDir})`);
    this.say(
      this.config.dataFile
        ? `market data: CSV file ${this.config.dataFile}`
        : "market data: Yahoo Finance (set MARKET_DATA_FILE to use a CSV file)",
    );

    let announcedInstall = false;
    await ensurePythonEnv({
      log: (line) => {
        if (!announcedInstall) {
          announcedInstall = true;
          this.say("setting up the Python virtualenv .venv with MLflow: the first time only, about 2 minutes...");
        }
        this.supervisor.say(line.trim(), "python");
      },
    });
    if (this.stopping) return;

    this.say(`starting MLflow on 127.0.0.1:${this.config.mlflowPort} (SQLite and artifacts in ${paths.mlflowDir})...`);
    this.mlflowStarting = startMlflowServer({
      dataDir: paths.mlflowDir,
      host: "127.0.0.1",
      port: this.config.mlflowPort,
      logFile: this.supervisor.logFile("mlflow"),
    });
    this.mlflow = await this.mlflowStarting;
    if (this.stopping) return;
    this.say(
      `MLflow is up at ${this.mlflow.uri} (${(this.mlflow.startupMs / 1000).toFixed(1)} s, pid ${this.mlflow.pid})`,
    );
    this.client = new MlflowClient({ trackingUri: this.mlflow.uri, retry: { retries: 3, maxDelayMs: 2_000 } });
    this.watchMlflow(this.mlflow);
    this.saveState();

    this.startApi();
    const before = await readChampion(this.client, this.options.modelName, this.options.modelAlias);
    if (this.stopping) return;
    this.say(
      before
        ? `champion before training: ${this.options.modelName} version ${before.version}`
        : `no champion yet: the first training registers ${this.options.modelName} version 1 and makes it champion`,
    );

    const first = await this.train("first training", { waitForLock: true });
    if (this.stopping) return;
    const champion = await readChampion(this.client, this.options.modelName, this.options.modelAlias);
    if (this.stopping) return;
    if (!first.ok || !champion) {
      const why = first.ok ? "it finished but no champion exists" : first.summary;
      if (!champion) {
        const code = first.status?.code && first.status.code > 0 ? first.status.code : EXIT_CODES.transient;
        await this.stop(code, `the first training failed (${why}) and there is no champion to serve: stopping.`);
        return;
      }
      this.say(`the first training failed (${why}); the API keeps serving champion version ${champion.version}`);
    }

    this.startScheduler();
    const health = await waitForServing(this.apiUrl, champion.version ?? "", {
      abort: Promise.race([this.api?.exited, this.finished]),
      onWaiting: (current) =>
        this.say(
          `waiting for the API to serve version ${champion.version ?? "?"}` +
            (current?.not_ready_reasons?.length ? `: ${current.not_ready_reasons.join("; ")}` : "..."),
        ),
    });
    if (!health || this.stopping) return;
    this.printReady(champion, health.data?.as_of, started);
  }

  private startApi(): void {
    const command = entryCommand("api");
    const api = this.supervisor.spawn({
      name: "api",
      ...command,
      env: this.childEnv(),
    });
    this.api = api;
    this.say(`API starting on ${this.apiUrl} (pid ${api.pid})`);
    this.saveState();
    void api.exited.then((status) => {
      this.saveState();
      if (this.stopping) return;
      const code = status.code && status.code > 0 ? status.code : EXIT_CODES.transient;
      void this.stop(code, `the API exited unexpectedly (${describeExit(status)}); see ${api.logFile}`);
    });
  }

  private startScheduler(): void {
    const { schedule } = this.options;
    this.scheduler = startSchedule(
      schedule,
      async () => {
        if (this.stopping) return;
        const before = this.client
          ? await readChampion(this.client, this.options.modelName, this.options.modelAlias).catch(() => undefined)
          : undefined;
        const result = await this.train("scheduled training", { waitForLock: false });
        if (this.stopping) return;
        const after = this.client
          ? await readChampion(this.client, this.options.modelName, this.options.modelAlias).catch(() => undefined)
          : undefined;
        const change =
          after?.version && after.version !== before?.version
            ? `champion is now version ${after.version} (was ${before?.version ?? "none"}); the API follows it`
            : `champion stays version ${after?.version ?? before?.version ?? "?"}`;
        this.say(`scheduled training ${result.ok ? "done" : `failed (${result.summary})`}: ${change}`);
        this.sayNextRun();
      },
      {
        onSkipped: () =>
          this.say("scheduled training skipped: the previous one is still running (no overlapping runs)"),
        onError: (error) => this.say(`scheduled training could not run: ${(error as Error).message}`),
      },
    );
    this.monitorScheduler = startSchedule(this.options.monitorSchedule, () => this.runMonitor(), {
      onSkipped: () => this.say("monitor check skipped: the previous one is still running"),
      onError: (error) => this.say(`monitor check could not run: ${(error as Error).message}`),
    });
  }

  /**
   * One monitor check (the monitor CronJob's command): its summary goes to the log file and one line to the
   * terminal with the active alerts and what changed; notifications are the monitor's own business.
   */
  private async runMonitor(): Promise<void> {
    if (this.stopping) return;
    const lines: string[] = [];
    const job = this.supervisor.spawn({
      name: "monitor",
      ...entryCommand("monitor"),
      env: this.childEnv(),
      echo: false,
      onLine: (line) => lines.push(line),
    });
    this.monitor = job;
    this.saveState();
    const status = await job.exited;
    this.monitor = undefined;
    this.saveState();
    if (this.stopping) return;
    const active = lines.filter((line) => /^\s+ACTIVE\s/.test(line)).map((line) => line.trim().split(/\s+/)[1]);
    const changes = lines.find((line) => line.startsWith("changes: "))?.slice("changes: ".length);
    const verdict = active.length > 0 ? `ACTIVE: ${active.join(", ")}` : "no alert active";
    this.say(
      status.code === 0
        ? `monitor check: ${verdict}; changes: ${changes ?? "?"} (details in ${job.logFile})`
        : `monitor check failed (${describeExit(status)}${exitMeaning(status)}); see ${job.logFile}`,
    );
  }

  private sayNextRun(): void {
    const next = this.scheduler?.nextRun();
    if (next) this.say(`next scheduled training: ${describeRunTime(next, this.options.schedule.timeZone)}`);
  }

  private nextMonitorText(): string {
    const next = this.monitorScheduler?.nextRun();
    return next ? describeRunTime(next, this.options.monitorSchedule.timeZone) : "none";
  }

  private nextRunText(): string {
    const next = this.scheduler?.nextRun();
    return next ? describeRunTime(next, this.options.schedule.timeZone) : "none";
  }

  /** Runs the training job once under the lab's training lock. */
  private async train(
    purpose: string,
    options: { waitForLock: boolean; args?: string[] },
  ): Promise<{ ok: boolean; status: ExitStatus | undefined; summary: string }> {
    let attempt = tryLock(this.config.paths.trainingLock, purpose);
    if (!attempt.acquired && options.waitForLock) {
      this.say(`${purpose}: waiting for the ${describeHolder(attempt.holder)} to finish...`);
      while (!attempt.acquired && !this.stopping) {
        await sleep(2_000);
        attempt = tryLock(this.config.paths.trainingLock, purpose);
      }
    }
    if (!attempt.acquired) {
      return { ok: false, status: undefined, summary: `skipped: a ${describeHolder(attempt.holder)} is training` };
    }
    const { lock } = attempt;
    const started = performance.now();
    try {
      if (this.stopping) return { ok: false, status: undefined, summary: "the lab is stopping" };
      const command = entryCommand("train", options.args);
      const job = this.supervisor.spawn({ name: "train", ...command, env: this.childEnv() });
      this.training = job;
      this.say(`${purpose} started (pid ${job.pid})`);
      this.saveState();
      const status = await job.exited;
      this.training = undefined;
      this.saveState();
      const ok = status.code === 0;
      const summary = `${describeExit(status)}${exitMeaning(status)}, ${secondsSince(started)} s`;
      if (!this.stopping) {
        this.say(`${purpose} ${ok ? "finished" : "failed"} (${summary})${ok ? "" : `; full output in ${job.logFile}`}`);
      }
      return { ok, status, summary };
    } finally {
      lock.release();
    }
  }

  private printReady(champion: ModelVersion, asOf: string | undefined, started: number): void {
    const mlflowUri = this.mlflow?.uri ?? "";
    const lines = [
      `ready in ${secondsSince(started)} s: the API serves ${this.options.modelName} version ${champion.version ?? "?"} ` +
        `(alias ${this.options.modelAlias})${asOf ? `, market data as of ${asOf}` : ""}`,
      `  predict:        curl "${this.apiUrl}/predictionForTomorrow?threshold=0.5"`,
      `  health:         curl ${this.apiUrl}/healthz`,
      `  MLflow UI:      ${mlflowUri}  (registered model: ${mlflowUri}/#/models/${encodeURIComponent(this.options.modelName)})`,
      `  next training:  ${this.nextRunText()}, schedule "${this.options.schedule.schedule}" ` +
        `(${this.options.schedule.timeZone}) from ${path.relative(process.cwd(), this.options.schedule.file)}`,
      `  dashboard:      ${this.apiUrl}/dashboard`,
      `  next monitor:   ${this.nextMonitorText()}, schedule "${this.options.monitorSchedule.schedule}" ` +
        `(${this.options.monitorSchedule.timeZone}) from ${path.relative(process.cwd(), this.options.monitorSchedule.file)}`,
      `  logs:           ${this.config.paths.logDir}`,
      "  Ctrl-C stops everything.",
    ];
    for (const line of lines) this.say(line);
  }

  private childEnv(): NodeJS.ProcessEnv {
    return childEnvironment(this.config, this.mlflow?.uri ?? `http://127.0.0.1:${this.config.mlflowPort}`, this.env);
  }

  /** MLflow may die (or be killed) while the lab runs: say so once; the API keeps serving its loaded model. */
  private watchMlflow(server: MlflowServer): void {
    this.mlflowWatch = setInterval(() => {
      if (this.stopping || groupAlive(server.pid)) return;
      clearInterval(this.mlflowWatch);
      this.say(
        `MLflow (pid ${server.pid}) has stopped; the API keeps serving the model it loaded, trainings fail until ` +
          `MLflow is back: restart the lab (Ctrl-C, npm start). Its log: ${server.logFile}`,
      );
    }, MLFLOW_WATCH_MS);
    this.mlflowWatch.unref();
  }

  private saveState(): void {
    if (!this.mlflow || this.stopping) return;
    const children = [this.api, this.training, this.monitor]
      .filter((child): child is SupervisedProcess => child !== undefined && child.running())
      .map((child) => ({ name: child.name, pid: child.pid }));
    const state: LabState = {
      pid: process.pid,
      startedAt: this.startedAt,
      labDir: this.config.paths.labDir,
      mlflow: { uri: this.mlflow.uri, pid: this.mlflow.pid, logFile: this.mlflow.logFile },
      api: this.api?.running() ? { url: this.apiUrl, pid: this.api.pid } : null,
      dataFile: this.config.dataFile ?? null,
      children: [{ name: "mlflow", pid: this.mlflow.pid }, ...children],
    };
    writeLabState(this.config.paths.stateFile, state);
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (!this.stopping) {
      void this.stop(0, `${signal}: stopping the lab...`);
      return;
    }
    if (performance.now() - this.stopping.at < FORCE_AFTER_MS) return;
    this.say(`${signal} again: killing every process of the lab now`);
    for (const child of this.supervisor.running()) {
      void stopGroup(child.pid, 0).catch(() => undefined);
    }
    if (this.mlflow) void this.mlflow.kill().catch(() => undefined);
    removeLabState(this.config.paths.stateFile);
    process.exitCode = 130;
    setTimeout(() => process.exit(130), 500).unref();
  }

  /**
   * Stops everything (once): the scheduler, then the running training and the API (SIGTERM, SIGKILL after the
   * grace period), then MLflow. Resolves `run()` with `code`.
   */
  stop(code: number, message?: string): Promise<number> {
    if (this.stopping) return this.stopping.done;
    const stopping = { at: performance.now(), done: Promise.resolve(code) };
    this.stopping = stopping;
    stopping.done = (async () => {
      if (message) this.say(message);
      this.scheduler?.stop();
      this.monitorScheduler?.stop();
      clearInterval(this.mlflowWatch);
      const grace = this.config.stopGraceMs;
      const children = this.supervisor.running();
      for (const child of children) this.say(`stopping ${child.name} (pid ${child.pid})...`);
      const results = await Promise.allSettled(children.map((child) => child.stop(grace)));
      for (const [index, result] of results.entries()) {
        const child = children[index];
        if (child && result.status === "rejected") this.say(`${child.name}: ${(result.reason as Error).message}`);
      }
      if (!this.mlflow && this.mlflowStarting) this.say("waiting for MLflow to finish starting, to stop it...");
      const mlflow = this.mlflow ?? (await this.mlflowStarting?.catch(() => undefined));
      if (mlflow) {
        this.say(`stopping MLflow (pid ${mlflow.pid})...`);
        await mlflow.stop(grace).catch((error: unknown) => this.say(`MLflow: ${(error as Error).message}`));
      }
      removeLabState(this.config.paths.stateFile);
      this.say(code === 0 ? "stopped: no process of the lab is left" : `stopped (exit code ${code})`);
      await this.supervisor.closeLogs();
      this.resolveFinished(code);
      return code;
    })();
    return stopping.done;
  }
}

/** ": transient failure" / ": bad configuration or input" for the job's documented exit codes. */
function exitMeaning(status: ExitStatus): string {
  if (status.code === EXIT_CODES.transient) return ": transient failure, worth retrying";
  if (status.code === EXIT_CODES.badConfig) return ": bad configuration or input";
  return "";
}
