import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { ConfigError } from "../../lib/config.js";
import {
  describeDuration,
  describeRunTime,
  nextRuns,
  readCronSchedule,
  startSchedule,
  TRAINING_CRONJOB_FILE,
  type CronSchedule,
} from "../../scripts/local/schedule.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "local-schedule-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `text` as a manifest and returns its path. */
async function manifest(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

const CRONJOB = (spec: string) => `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: training\nspec:\n${spec}`;

describe("reading the schedule from the CronJob manifest", () => {
  it("when the training CronJob is read, then schedule and time zone are exactly the manifest's", async () => {
    const object = parse(await readFile(TRAINING_CRONJOB_FILE, "utf8")) as {
      metadata: { name: string };
      spec: { schedule: string; timeZone: string };
    };
    const schedule = readCronSchedule();
    expect(schedule).toEqual({
      name: object.metadata.name,
      schedule: object.spec.schedule,
      timeZone: object.spec.timeZone,
      file: TRAINING_CRONJOB_FILE,
    });
  });

  it("when the schedule is evaluated across the March DST change, then it fires at the same New York wall time", () => {
    const schedule: CronSchedule = {
      name: "training",
      schedule: "30 17 * * 1-5",
      timeZone: "America/New_York",
      file: "x",
    };
    // Friday 2024-03-08 is EST (UTC-5); Monday 2024-03-11 is EDT (UTC-4); the weekend is skipped.
    const runs = nextRuns(schedule, 3, new Date("2024-03-08T12:00:00Z")).map((d) => d.toISOString());
    expect(runs).toEqual(["2024-03-08T22:30:00.000Z", "2024-03-11T21:30:00.000Z", "2024-03-12T21:30:00.000Z"]);
  });

  it.each([
    ["a missing file", null, /cannot read the file/],
    ["invalid YAML", "kind: CronJob\nspec: [unclosed", /invalid YAML/],
    [
      "another kind",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
      /expected one object of kind "CronJob"/,
    ],
    ["no schedule", CRONJOB("  timeZone: America/New_York\n"), /spec.schedule is missing/],
    ["no time zone", CRONJOB('  schedule: "30 17 * * 1-5"\n'), /spec.timeZone is missing/],
    [
      "an unparsable schedule",
      CRONJOB('  schedule: "61 17 * * 1-5"\n  timeZone: America/New_York\n'),
      /does not parse/,
    ],
    ["six fields", CRONJOB('  schedule: "0 30 17 * * 1-5"\n  timeZone: America/New_York\n'), /does not parse/],
    [
      "an unknown time zone",
      CRONJOB('  schedule: "30 17 * * 1-5"\n  timeZone: Mars/Olympus\n'),
      /not an IANA time zone/,
    ],
  ])("when the manifest has %s, then a ConfigError names the file and the problem", async (_, text, pattern) => {
    const file = text === null ? path.join(dir, "missing.yaml") : await manifest(`m-${Math.random()}.yaml`, text);
    let caught: unknown;
    try {
      readCronSchedule(file);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toMatch(pattern);
    expect((caught as Error).message).toContain(file);
  });
});

describe("running on the schedule", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("when a firing comes while the previous run is still going, then it is skipped, not overlapped", async () => {
    vi.useFakeTimers({ now: new Date("2024-03-12T14:00:30Z") });
    const everyMinute: CronSchedule = { name: "t", schedule: "* * * * *", timeZone: "America/New_York", file: "x" };
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const finishers: (() => void)[] = [];
    const skipped: Date[] = [];
    const task = startSchedule(
      everyMinute,
      () => {
        runs++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        return new Promise<void>((resolve) =>
          finishers.push(() => {
            running--;
            resolve();
          }),
        );
      },
      { onSkipped: (at) => skipped.push(at) },
    );
    try {
      await vi.advanceTimersByTimeAsync(60_000); // 14:01: first run starts and keeps going
      expect(runs).toBe(1);
      expect(task.busy()).toBe(true);
      await vi.advanceTimersByTimeAsync(120_000); // 14:02 and 14:03 fire while it runs
      expect(runs).toBe(1);
      expect(skipped.length).toBeGreaterThanOrEqual(2); // croner reports each blocked firing (and re-checks)
      finishers.shift()?.();
      await vi.advanceTimersByTimeAsync(60_000); // 14:04: free again
      expect(runs).toBe(2);
      expect(maxRunning).toBe(1);
    } finally {
      task.stop();
      for (const finish of finishers) finish();
    }
  });

  it("when stopped, then it fires no more", async () => {
    vi.useFakeTimers({ now: new Date("2024-03-12T14:00:30Z") });
    let runs = 0;
    const task = startSchedule({ name: "t", schedule: "* * * * *", timeZone: "UTC", file: "x" }, () => {
      runs++;
      return Promise.resolve();
    });
    expect(task.nextRun()?.toISOString()).toBe("2024-03-12T14:01:00.000Z");
    task.stop();
    await vi.advanceTimersByTimeAsync(180_000);
    expect(runs).toBe(0);
    expect(task.nextRun()).toBeNull();
  });
});

describe("describing run times", () => {
  it("when the next run is shown, then it is in the schedule's time zone with the delay", () => {
    const at = new Date("2024-03-11T21:30:00Z");
    expect(describeRunTime(at, "America/New_York", new Date("2024-03-11T16:18:00Z"))).toBe(
      "Mon 2024-03-11 17:30 America/New_York (in 5 h 12 min)",
    );
  });

  it("when durations are shown, then seconds, minutes, hours and days read naturally", () => {
    expect(describeDuration(40_000)).toBe("40 s");
    expect(describeDuration(3 * 60_000)).toBe("3 min");
    expect(describeDuration((2 * 1440 + 3 * 60) * 60_000)).toBe("2 d 3 h");
  });
});
