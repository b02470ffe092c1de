import { setTimeout as sleep } from "node:timers/promises";

/** Share of the interval by which each wait is randomly lengthened or shortened. */
export const POLL_JITTER = 0.2;

/** `intervalMs` moved by up to ±`jitter` of itself, so replicas started together do not poll in step. */
export function jittered(intervalMs: number, random: () => number = Math.random, jitter = POLL_JITTER): number {
  return Math.max(1, Math.round(intervalMs * (1 + (random() * 2 - 1) * jitter)));
}

/** Exponential backoff: `baseMs * 2^(failures - 1)`, capped at `maxMs` (failures counted from 1). */
export function backoffMs(failures: number, baseMs: number, maxMs: number): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(maxMs, baseMs * 2 ** exponent);
}

/**
 * Runs `task` now and then again after each delay returned by `nextDelayMs`, until stopped. The timers do not keep
 * the process alive (the HTTP server does), and `task` runs are never concurrent. A run that throws is reported to
 * `onError` and does not end the schedule.
 */
export class Repeater {
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly nextDelayMs: () => number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Stops scheduling further runs; a run in progress is left to finish on its own. */
  stop(): void {
    this.controller.abort();
  }

  private async loop(): Promise<void> {
    const { signal } = this.controller;
    while (!signal.aborted) {
      try {
        await this.task();
      } catch (error) {
        this.onError(error);
      }
      try {
        await sleep(this.nextDelayMs(), undefined, { signal, ref: false });
      } catch {
        return; // aborted
      }
    }
  }
}
