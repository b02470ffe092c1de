import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupAlive, stopGroup } from "../../scripts/lib/mlflow-server.js";
import {
  cleanUpAfterCrash,
  readLabState,
  runningLab,
  writeLabState,
  type LabState,
} from "../../scripts/local/state.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "local-state-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }).stdout.trim());
}

/** A detached process group whose command line mentions `marker` (like a lab child would). */
async function sleeper(marker: string): Promise<number> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", marker], {
    detached: true,
    stdio: "ignore",
  });
  child.unref();
  await sleep(100);
  return child.pid ?? 0;
}

function state(pid: number, children: { name: string; pid: number }[]): LabState {
  return {
    pid,
    startedAt: new Date().toISOString(),
    labDir: dir,
    mlflow: { uri: "http://127.0.0.1:1", pid: deadPid(), logFile: "x" },
    api: null,
    dataFile: null,
    children,
  };
}

describe("the lab state file", () => {
  it("when written and read back, then it is the same; an unreadable file reads as no state", () => {
    const file = path.join(dir, "roundtrip.json");
    const written = state(123, [{ name: "mlflow", pid: 456 }]);
    writeLabState(file, written);
    expect(readLabState(file)).toEqual(written);
    expect(readLabState(path.join(dir, "missing.json"))).toBeUndefined();
  });

  it("when the recorded lab process is gone or runs something else, then no lab is running", () => {
    const file = path.join(dir, "not-running.json");
    writeLabState(file, state(deadPid(), []));
    expect(runningLab(file)).toBeUndefined();
    writeLabState(file, state(process.pid, [])); // alive, but this is the test runner, not the lab
    expect(runningLab(file)).toBeUndefined();
  });

  it("when a lab was killed and left its children running, then the next start stops them and clears the record", async () => {
    const file = path.join(dir, "crashed.json");
    const api = await sleeper("api/server.ts");
    const unrelated = await sleeper("something-else");
    try {
      writeLabState(
        file,
        state(deadPid(), [
          { name: "api", pid: api },
          { name: "reused pid", pid: unrelated },
        ]),
      );
      const stopped = await cleanUpAfterCrash(file);
      expect(stopped).toEqual([{ name: "api", pid: api }]);
      expect(groupAlive(api)).toBe(false);
      expect(groupAlive(unrelated)).toBe(true); // not started by a lab: left alone
      expect(existsSync(file)).toBe(false);
    } finally {
      await stopGroup(api, 0);
      await stopGroup(unrelated, 0);
    }
  });
});
