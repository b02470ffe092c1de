// One training at a time per lab folder, across processes: the lab's first training, its scheduler and
// `npm run replay` all take this lock file (the local counterpart of the CronJob's `concurrencyPolicy: Forbid`,
// which also guards the champion alias against two trainings deciding at once).
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";

export interface LockHolder {
  pid: number;
  /** What holds it: "first training", "scheduled training", "replay". */
  purpose: string;
  since: string;
}

export interface TrainingLock {
  /** Removes the lock file (only if this process still owns it). */
  release(): void;
}

export type LockResult = { acquired: true; lock: TrainingLock } | { acquired: false; holder: LockHolder };

/**
 * Takes the lock at `file` for `purpose`, or reports who holds it. A lock left by a process that no longer runs
 * is taken over.
 */
export function tryLock(file: string, purpose: string): LockResult {
  for (let attempt = 0; attempt < 2; attempt++) {
    const holder: LockHolder = { pid: process.pid, purpose, since: new Date().toISOString() };
    try {
      const fd = openSync(file, "wx");
      try {
        writeSync(fd, `${JSON.stringify(holder)}\n`);
      } finally {
        closeSync(fd);
      }
      return { acquired: true, lock: { release: () => releaseIfOwned(file) } };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const current = readHolder(file);
    if (current && isAlive(current.pid)) return { acquired: false, holder: current };
    rmSync(file, { force: true }); // stale: its owner is gone (or the file is unreadable)
  }
  const current = readHolder(file);
  return { acquired: false, holder: current ?? { pid: 0, purpose: "unknown", since: "" } };
}

/** "a replay (pid 1234, since 2025-11-24T17:30:00.000Z)". */
export function describeHolder(holder: LockHolder): string {
  return `${holder.purpose} (pid ${holder.pid}${holder.since ? `, since ${holder.since}` : ""})`;
}

function releaseIfOwned(file: string): void {
  if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(file, "utf8")) as Partial<LockHolder>;
    if (typeof holder.pid !== "number") return undefined;
    return { pid: holder.pid, purpose: String(holder.purpose ?? "unknown"), since: String(holder.since ?? "") };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
