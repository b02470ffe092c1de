// Child-process supervision for the local lab: every child leads its own process group (so one signal reaches it
// and anything it forks), its output is split into lines, shown on the terminal with a name prefix and appended raw
// to a log file, and stopping means SIGTERM to the group, then SIGKILL after a grace period.
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { groupAlive, stopGroup } from "../lib/mlflow-server.js";

/** How a child ended: its exit code, or the signal that killed it. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** "exit code 2", "killed by SIGTERM". */
export function describeExit(status: ExitStatus): string {
  return status.signal ? `killed by ${status.signal}` : `exit code ${String(status.code)}`;
}

/**
 * Where lines go: the terminal (prefixed, pino JSON made readable) and a log file (raw, append). The lab's own
 * messages use the same path with the prefix "lab".
 */
export class LabOutput {
  private readonly width: number;

  constructor(
    private readonly terminal: Writable = process.stdout,
    names: readonly string[] = ["lab", "mlflow", "train", "api", "monitor"],
  ) {
    this.width = Math.max(...names.map((name) => name.length));
  }

  /** Writes one line for `name` on the terminal. */
  line(name: string, text: string): void {
    this.terminal.write(`${name.padEnd(this.width)} | ${text}\n`);
  }
}

const PINO_LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};
const PINO_HOUSEKEEPING = new Set(["level", "time", "pid", "hostname", "name", "msg", "v"]);
const MAX_EXTRA_CHARS = 240;

/**
 * A pino JSON line as `LEVEL message key=value ...` (extras shortened); any other line unchanged. The log files keep
 * the raw JSON; this is only for people watching the terminal.
 */
export function formatChildLine(line: string): string {
  if (!line.startsWith("{")) return line;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  if (!record || typeof record !== "object" || Array.isArray(record)) return line;
  const fields = record as Record<string, unknown>;
  if (typeof fields.msg !== "string" || typeof fields.level !== "number") return line;
  const level = PINO_LEVELS[fields.level] ?? String(fields.level);
  const extras = Object.entries(fields)
    .filter(([key]) => !PINO_HOUSEKEEPING.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  const shown = extras.length > MAX_EXTRA_CHARS ? `${extras.slice(0, MAX_EXTRA_CHARS)}…` : extras;
  return `${level.padEnd(5)} ${fields.msg}${shown ? ` ${shown}` : ""}`;
}

/** Calls `onLine` for each complete line of `stream` (a last unterminated line is delivered at the end). */
export function forEachLine(stream: Readable, onLine: (line: string) => void): Promise<void> {
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      onLine(pending.slice(0, newline).replace(/\r$/, ""));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
  });
  return new Promise((resolve) => {
    stream.once("close", () => {
      if (pending !== "") onLine(pending);
      pending = "";
      resolve();
    });
  });
}

export interface SpawnOptions {
  /** Short name: the terminal prefix and the log file's name (`<logDir>/<name>.log`). */
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Show the output on the terminal (default true); it always goes to the log file. */
  echo?: boolean;
  /** Called with every output line (raw). */
  onLine?: (line: string) => void;
}

/** A running child of the supervisor. */
export interface SupervisedProcess {
  readonly name: string;
  /** Process id, also the id of the child's process group. */
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the child has exited and its output has been written. */
  readonly exited: Promise<ExitStatus>;
  /** Whether the child itself has not exited yet. */
  running(): boolean;
  /** The last output lines (for error messages). */
  tail(lines?: number): string[];
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves with the exit status once no process is left. */
  stop(graceMs?: number): Promise<ExitStatus>;
}

const TAIL_LINES = 40;
export const DEFAULT_GRACE_MS = 10_000;

/**
 * Starts and stops the lab's children. Each child runs in its own process group (detached), so the terminal's
 * Ctrl-C reaches only the lab, which then stops the children in order; if the lab itself exits without stopping
 * them (a crash), a last-resort exit hook SIGKILLs every group still alive.
 */
export class Supervisor {
  private readonly children = new Set<SupervisedProcess>();
  private readonly logs = new Map<string, WriteStream>();
  private exitHook: (() => void) | undefined;

  constructor(
    private readonly output: LabOutput,
    private readonly logDir: string,
  ) {
    mkdirSync(logDir, { recursive: true });
  }

  /** The children that have not exited yet. */
  running(): SupervisedProcess[] {
    return [...this.children].filter((child) => child.running());
  }

  /** The log file of `name` (`<logDir>/<name>.log`), opened for appending once. */
  logStream(name: string): WriteStream {
    let stream = this.logs.get(name);
    if (!stream) {
      stream = createWriteStream(this.logFile(name), { flags: "a" });
      this.logs.set(name, stream);
    }
    return stream;
  }

  logFile(name: string): string {
    return path.join(this.logDir, `${name}.log`);
  }

  /** Writes a line of the lab's own to the terminal and to `<logDir>/lab.log`. */
  say(text: string, name = "lab"): void {
    this.output.line(name, text);
    this.logStream(name).write(`${new Date().toISOString()} ${text}\n`);
  }

  spawn(options: SpawnOptions): SupervisedProcess {
    const log = this.logStream(options.name);
    log.write(`=== ${new Date().toISOString()} ${options.command} ${options.args.join(" ")}\n`);
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const pid = child.pid;
    if (pid === undefined) {
      throw new Error(`could not start ${options.name} (${options.command}): it did not get a process id`);
    }
    this.installExitHook();

    const recent: string[] = [];
    const onLine = (line: string): void => {
      log.write(`${line}\n`);
      recent.push(line);
      if (recent.length > TAIL_LINES) recent.shift();
      if (options.echo !== false) this.output.line(options.name, formatChildLine(line));
      options.onLine?.(line);
    };
    const outputDone = Promise.all([forEachLine(child.stdout, onLine), forEachLine(child.stderr, onLine)]);
    let alive = true;
    const exitedRaw = new Promise<ExitStatus>((resolve) => {
      child.once("error", (error) => {
        onLine(`could not run ${options.command}: ${error.message}`);
        resolve({ code: 127, signal: null });
      });
      child.once("exit", (code, signal) => resolve({ code, signal }));
    });
    const exited = exitedRaw.then(async (status) => {
      alive = false;
      await outputDone;
      log.write(`=== ${new Date().toISOString()} ${options.name} ended: ${describeExit(status)}\n`);
      return status;
    });

    const supervised: SupervisedProcess = {
      name: options.name,
      pid,
      logFile: this.logFile(options.name),
      exited,
      running: () => alive,
      tail: (lines = TAIL_LINES) => recent.slice(-lines),
      stop: async (graceMs = DEFAULT_GRACE_MS) => {
        await stopGroup(pid, graceMs);
        return exited;
      },
    };
    this.children.add(supervised);
    void exited.then(() => {
      // The group may outlive its leader (a grandchild that ignored the parent's exit): stop the rest at once.
      if (groupAlive(pid)) void stopGroup(pid, 0).catch(() => undefined);
      this.children.delete(supervised);
    });
    return supervised;
  }

  /** Stops every child at once (SIGTERM, SIGKILL after `graceMs`) and closes the log files. */
  async stopAll(graceMs = DEFAULT_GRACE_MS): Promise<void> {
    await Promise.all([...this.children].map((child) => child.stop(graceMs)));
    await this.closeLogs();
  }

  async closeLogs(): Promise<void> {
    const streams = [...this.logs.values()];
    this.logs.clear();
    await Promise.all(streams.map((stream) => new Promise<void>((resolve) => stream.end(resolve))));
  }

  private installExitHook(): void {
    if (this.exitHook) return;
    this.exitHook = () => {
      for (const child of this.children) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    };
    process.once("exit", this.exitHook);
  }
}
