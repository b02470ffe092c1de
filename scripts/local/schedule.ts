// The local lab's scheduler: the cron schedule and time zone come from the Kubernetes CronJob manifest (the single
// source of truth, so the laptop and the cluster train at the same moments), and runs never overlap (croner's
// `protect`, the local equivalent of `concurrencyPolicy: Forbid`).
import { readFileSync } from "node:fs";
import path from "node:path";
import { Cron } from "croner";
import { parseDocument } from "yaml";
import { ConfigError } from "../../lib/config.js";
import { repoRoot } from "../lib/python-env.js";

/** The training CronJob of the full lab. */
export const TRAINING_CRONJOB_FILE = path.join(repoRoot, "k8s", "base", "training-cronjob.yaml");
/** The monitor CronJob of the full lab. */
export const MONITOR_CRONJOB_FILE = path.join(repoRoot, "k8s", "base", "monitor-cronjob.yaml");

export interface CronSchedule {
  /** `metadata.name` of the CronJob. */
  name: string;
  /** Five-field cron expression, e.g. `30 17 * * 1-5`. */
  schedule: string;
  /** IANA time zone, e.g. `America/New_York`. */
  timeZone: string;
  /** The manifest it was read from. */
  file: string;
}

/** Options shared by every Cron this module builds: five fields, day-of-month OR day-of-week like Kubernetes. */
function cronOptions(timeZone: string) {
  return { timezone: timeZone, mode: "5-part", domAndDow: false } as const;
}

/**
 * Reads `spec.schedule` and `spec.timeZone` of a CronJob manifest and checks that croner accepts them. Any problem
 * (missing file, YAML error, not a CronJob, missing or invalid fields) is a ConfigError naming the file and field.
 */
export function readCronSchedule(file: string = TRAINING_CRONJOB_FILE): CronSchedule {
  const fail = (why: string): never => {
    throw new ConfigError(`${file}: ${why} (the local lab's schedule is read from this CronJob manifest)`);
  };
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    fail(`cannot read the file: ${(error as Error).message}`);
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) fail(`invalid YAML: ${document.errors.map((e) => e.message).join("; ")}`);
  const manifest: unknown = document.toJS();
  if (!isRecord(manifest) || manifest.kind !== "CronJob") fail('expected one object of kind "CronJob"');
  const object = manifest as Record<string, unknown>;
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const spec = isRecord(object.spec) ? object.spec : {};
  const name = typeof metadata.name === "string" ? metadata.name : fail("metadata.name is missing");
  const schedule = typeof spec.schedule === "string" ? spec.schedule.trim() : fail("spec.schedule is missing");
  const timeZone = typeof spec.timeZone === "string" ? spec.timeZone.trim() : fail("spec.timeZone is missing");
  if (!isTimeZone(timeZone)) fail(`spec.timeZone ${JSON.stringify(timeZone)} is not an IANA time zone`);
  try {
    new Cron(schedule, { ...cronOptions(timeZone), paused: true }).stop();
  } catch (error) {
    fail(`spec.schedule ${JSON.stringify(schedule)} does not parse: ${(error as Error).message}`);
  }
  return { name, schedule, timeZone, file };
}

/** The next `count` firing times of `schedule` strictly after `from`. */
export function nextRuns(schedule: CronSchedule, count: number, from: Date = new Date()): Date[] {
  const cron = new Cron(schedule.schedule, { ...cronOptions(schedule.timeZone), paused: true });
  try {
    return cron.nextRuns(count, from);
  } finally {
    cron.stop();
  }
}

/** "Mon 2025-11-24 17:30 America/New_York (in 5 h 12 min)". */
export function describeRunTime(at: Date, timeZone: string, now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    weekday: "short",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? "";
  const when = `${part("weekday")} ${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}`;
  return `${when} ${timeZone} (${describeDelay(at.getTime() - now.getTime())})`;
}

/** "in 5 h 12 min", "in 3 min", "in 40 s", "now". */
export function describeDelay(ms: number): string {
  return ms < 500 ? "now" : `in ${describeDuration(ms)}`;
}

/** "2 d 3 h", "5 h 12 min", "3 min", "40 s" (rounded to the unit shown). */
export function describeDuration(ms: number): string {
  const totalSeconds = Math.max(0, Math.round(ms / 1000));
  if (totalSeconds < 60) return `${totalSeconds} s`;
  const minutes = Math.round(totalSeconds / 60);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const pieces = [days ? `${days} d` : "", hours ? `${hours} h` : "", rest ? `${rest} min` : ""].filter(Boolean);
  return pieces.join(" ") || "0 s";
}

export interface ScheduledTask {
  /** When the task fires next (null when stopped). */
  nextRun(): Date | null;
  /** Whether a run is in progress. */
  busy(): boolean;
  /** No further runs; a run in progress finishes on its own. */
  stop(): void;
}

export interface ScheduleOptions {
  /** Called instead of a run when the previous run is still going (the run is skipped, not queued). */
  onSkipped?: (at: Date) => void;
  /** Called when `task` throws (it should not; the scheduler keeps going). */
  onError?: (error: unknown) => void;
}

/** Runs `task` at every firing of `schedule` in its time zone; a firing while a run is in progress is skipped. */
export function startSchedule(
  schedule: CronSchedule,
  task: () => Promise<void>,
  options: ScheduleOptions = {},
): ScheduledTask {
  const cron = new Cron(
    schedule.schedule,
    {
      ...cronOptions(schedule.timeZone),
      protect: () => options.onSkipped?.(new Date()),
      catch: (error: unknown) => options.onError?.(error),
    },
    task,
  );
  return {
    nextRun: () => cron.nextRun(),
    busy: () => cron.isBusy(),
    stop: () => cron.stop(),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return name !== "";
  } catch {
    return false;
  }
}
