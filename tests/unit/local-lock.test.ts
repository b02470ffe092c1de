import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeHolder, tryLock } from "../../scripts/local/lock.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "local-lock-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const result = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
  return Number(result.stdout.trim());
}

describe("the training lock", () => {
  it("when a training holds the lock, then another is refused and told who holds it; after release it is free", () => {
    const file = path.join(dir, "a.lock");
    const first = tryLock(file, "scheduled training");
    expect(first.acquired).toBe(true);
    const second = tryLock(file, "replay");
    expect(second.acquired).toBe(false);
    if (second.acquired) return;
    expect(second.holder.pid).toBe(process.pid);
    expect(describeHolder(second.holder)).toMatch(/^scheduled training \(pid \d+, since \d{4}-/);
    if (first.acquired) first.lock.release();
    expect(existsSync(file)).toBe(false);
    const third = tryLock(file, "replay");
    expect(third.acquired).toBe(true);
    if (third.acquired) third.lock.release();
  });

  it("when the holder died without releasing, then the lock is taken over", async () => {
    const file = path.join(dir, "stale.lock");
    await writeFile(file, JSON.stringify({ pid: deadPid(), purpose: "replay", since: "2024-01-01T00:00:00Z" }));
    const result = tryLock(file, "first training");
    expect(result.acquired).toBe(true);
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ pid: process.pid, purpose: "first training" });
    if (result.acquired) result.lock.release();
  });

  it("when the lock was taken over by someone else, then releasing an old handle leaves theirs in place", async () => {
    const file = path.join(dir, "taken.lock");
    const mine = tryLock(file, "replay");
    expect(mine.acquired).toBe(true);
    await writeFile(file, JSON.stringify({ pid: 1, purpose: "other", since: "" }));
    if (mine.acquired) mine.lock.release();
    expect(existsSync(file)).toBe(true);
  });
});
