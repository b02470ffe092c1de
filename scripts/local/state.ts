// The running lab's state file (LAB_DIR/local-lab.json): who is running, where, with which pids. It lets a second
// `npm start` refuse to start twice, `npm run replay` find the lab's MLflow server and data file, people (and the
// end-to-end test) find every pid, and a lab started after a crash clean up what the crashed one left behind.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { groupAlive, stopGroup } from "../lib/mlflow-server.js";

export interface ChildRecord {
  name: string;
  /** Process id, also its process group id. */
  pid: number;
}

export interface LabState {
  /** The lab process (`scripts/local/start.ts`). */
  pid: number;
  startedAt: string;
  labDir: string;
  mlflow: { uri: string; pid: number; logFile: string };
  api: { url: string; pid: number } | null;
  /** Absolute path of the CSV file the lab reads, or null for Yahoo Finance. */
  dataFile: string | null;
  /** Every child process group running now (MLflow, the API, a training). */
  children: ChildRecord[];
}

/** Writes the state atomically (a reader never sees half a file). */
export function writeLabState(file: string, state: LabState): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, file);
}

/** The recorded state, or undefined when there is none or it is unreadable. */
export function readLabState(file: string): LabState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const state = JSON.parse(readFileSync(file, "utf8")) as Partial<LabState>;
    if (typeof state.pid !== "number" || !state.mlflow || !Array.isArray(state.children)) return undefined;
    return state as LabState;
  } catch {
    return undefined;
  }
}

export function removeLabState(file: string): void {
  rmSync(file, { force: true });
}

/** Whether `pid` is alive and still runs the local lab (guards against a reused pid). */
export function isLabProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const cmdline = readCmdline(pid);
  return cmdline === undefined || cmdline.includes("scripts/local/start");
}

/** The lab recorded in `file` if its process is alive; a stale record is left for `cleanUpAfterCrash`. */
export function runningLab(file: string): LabState | undefined {
  const state = readLabState(file);
  return state && isLabProcess(state.pid) ? state : undefined;
}

/**
 * After a lab was killed without stopping its children (SIGKILL, a power cut of the terminal), stops the process
 * groups it recorded that still run what it started, and removes the stale record. Returns what was stopped.
 */
export async function cleanUpAfterCrash(file: string): Promise<ChildRecord[]> {
  const state = readLabState(file);
  if (!state || isLabProcess(state.pid)) return [];
  const leftovers = [{ name: "mlflow", pid: state.mlflow.pid }, ...state.children].filter(
    (child, index, all) => all.findIndex((other) => other.pid === child.pid) === index,
  );
  const stopped: ChildRecord[] = [];
  for (const child of leftovers) {
    if (!Number.isInteger(child.pid) || child.pid <= 1 || !groupAlive(child.pid)) continue; // never our own group
    const cmdline = readCmdline(child.pid);
    const ours = cmdline === undefined || /mlflow|jobs\/|api\/server/.test(cmdline);
    if (!ours) continue;
    await stopGroup(child.pid, 5_000);
    stopped.push(child);
  }
  removeLabState(file);
  return stopped;
}

function readCmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return undefined;
  }
}
