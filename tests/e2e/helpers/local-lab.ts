// Drives the local lab the way a person does: `npm start` in its own terminal (process group), Ctrl-C (SIGINT to
// the group), `npm run ...` commands beside it, curl against the API.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { repoRoot } from "../../helpers/data.js";

/**
 * The environment of a command typed in a shell: the test runner's own variables removed (VITEST makes every
 * logger silent), this Node first on PATH (npm scripts run `node` from PATH), plus `env`.
 */
function shellEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(base)) if (name.startsWith("VITEST")) delete base[name];
  if (base.NODE_ENV === "test") delete base.NODE_ENV;
  const nodeDir = path.dirname(process.execPath);
  return { ...base, PATH: `${nodeDir}${path.delimiter}${base.PATH ?? ""}`, ...env };
}

export interface LabRun {
  /** Pid of `npm start`, also its process group (the "terminal"). */
  pid: number;
  /** Everything printed so far (stdout and stderr), line by line. */
  lines: string[];
  output(): string;
  /** Resolves with the exit code (or the signal name) when `npm start` exits. */
  exited: Promise<number | string>;
  /** Waits for a printed line matching `pattern`; fails with the output if the lab exits or time runs out. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Sends a signal to the whole process group, as a terminal does for Ctrl-C. */
  signal(signal: NodeJS.Signals): void;
}

/** Runs `npm <args>` in its own process group with `env` added; output is collected. */
export function npm(args: readonly string[], env: Record<string, string>): LabRun {
  const child: ChildProcess = spawn("npm", [...args], {
    cwd: repoRoot,
    env: shellEnv(env),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`could not run npm ${args.join(" ")}`);
  const pid = child.pid;
  const lines: string[] = [];
  const collect = (stream: NodeJS.ReadableStream | null): void => {
    let pending = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      pending += chunk;
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      lines.push(...parts);
    });
    stream?.on("end", () => pending && lines.push(pending));
  };
  collect(child.stdout);
  collect(child.stderr);
  let done = false;
  const exited = new Promise<number | string>((resolve) =>
    child.once("close", (code, signal) => {
      done = true;
      resolve(code ?? signal ?? "unknown");
    }),
  );
  const output = (): string => lines.join("\n");
  return {
    pid,
    lines,
    output,
    exited,
    signal: (signal) => process.kill(-pid, signal),
    waitForLine: async (pattern, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const line of lines) {
          const match = pattern.exec(line);
          if (match) return match;
        }
        if (done) throw new Error(`npm ${args.join(" ")} exited before printing ${pattern}:\n${output()}`);
        if (Date.now() > deadline) throw new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${output()}`);
        await sleep(100);
      }
    },
  };
}

/** Runs `npm <args>` to completion; resolves with its exit code and output. */
export async function npmRun(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | string; output: string }> {
  const run = npm(args, env);
  const code = await run.exited;
  return { code, output: run.output() };
}

export interface HttpAnswer<T> {
  status: number;
  body: T;
}

export async function getJson<T = Record<string, unknown>>(url: string): Promise<HttpAnswer<T>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as T };
}

/** Polls `probe` until it returns a value other than undefined. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)})` : ""}`,
      );
    }
    await sleep(intervalMs);
  }
}

/** Pids of every process whose environment holds `NAME=value` (Linux /proc): what a lab started, at any depth. */
export function processesWithEnv(name: string, value: string): number[] {
  if (!existsSync("/proc")) return []; // not Linux: the process-group checks remain
  const needle = `\0${name}=${value}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (`\0${readFileSync(`/proc/${entry}/environ`, "latin1")}\0`.includes(needle)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}
