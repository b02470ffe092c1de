import type { Logger } from "../../lib/log.js";

/**
 * How the job reports its stages: on a terminal, one human line per stage (updated in place while a stage
 * reports progress, e.g. walk-forward folds); otherwise one structured log line per stage with its figures.
 * Every stage is timed and its peak resident memory sampled (for logs and the benchmark).
 */

export type Figures = Record<string, string | number | boolean | null | undefined>;

export interface StageTiming {
  stage: string;
  seconds: number;
  /** Highest resident set size seen during the stage (worker threads included), MiB. */
  peakRssMb: number;
}

export interface Progress {
  /** Runs one stage and reports it with the figures `describe` picks from its result. */
  stage<T>(name: string, run: () => Promise<T>, describe?: (result: T) => Figures): Promise<T>;
  /** Progress within the running stage, e.g. "fold 2/4 of d6-l50-fsqrt (3/9)". */
  update(text: string): void;
  /** A fact worth a line of its own (a cap, a decision, "already done"). */
  note(message: string, figures?: Figures): void;
  readonly timings: readonly StageTiming[];
}

export interface ProgressOptions {
  logger: Logger;
  /** Human output on this stream (a TTY); without it, structured logs only. */
  tty?: NodeJS.WritableStream;
  /** Memory sampling interval (default 100 ms). */
  sampleMs?: number;
}

const MIB = 1024 * 1024;

function formatFigures(figures: Figures): string {
  return Object.entries(figures)
    .filter(([, value]) => value !== undefined && value !== null && value !== "")
    .map(([key, value]) => `${key.replaceAll("_", " ")} ${String(value)}`)
    .join(" · ");
}

export function createProgress(options: ProgressOptions): Progress {
  const { logger, tty } = options;
  const timings: StageTiming[] = [];
  let current: string | undefined;

  const write = (text: string): void => {
    tty?.write(text);
  };

  return {
    timings,

    async stage<T>(name: string, run: () => Promise<T>, describe?: (result: T) => Figures): Promise<T> {
      current = name;
      let peak = process.memoryUsage.rss();
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), options.sampleMs ?? 100);
      sampler.unref();
      const started = performance.now();
      write(`  ${name} …`);
      const finish = (): StageTiming => {
        clearInterval(sampler);
        peak = Math.max(peak, process.memoryUsage.rss());
        const timing = {
          stage: name,
          seconds: Math.round((performance.now() - started) / 10) / 100,
          peakRssMb: Math.round(peak / MIB),
        };
        timings.push(timing);
        current = undefined;
        return timing;
      };
      try {
        const result = await run();
        const timing = finish();
        const figures = describe ? describe(result) : {};
        if (tty) {
          const details = formatFigures(figures);
          write(
            `\r\x1b[K✔ ${name.padEnd(9)} ${timing.seconds.toFixed(1).padStart(6)} s${details ? `  ${details}` : ""}\n`,
          );
        } else {
          logger.info(
            { stage: name, seconds: timing.seconds, peak_rss_mb: timing.peakRssMb, ...figures },
            `stage ${name} done`,
          );
        }
        return result;
      } catch (error) {
        const timing = finish();
        if (tty) write(`\r\x1b[K✖ ${name.padEnd(9)} ${timing.seconds.toFixed(1).padStart(6)} s  failed\n`);
        else logger.warn({ stage: name, seconds: timing.seconds }, `stage ${name} failed`);
        throw error;
      }
    },

    update(text: string): void {
      if (tty && current !== undefined) write(`\r\x1b[K  ${current.padEnd(9)} ${text}`);
      else logger.debug({ stage: current }, text);
    },

    note(message: string, figures: Figures = {}): void {
      if (tty) {
        const details = formatFigures(figures);
        write(`${current !== undefined ? "\r\x1b[K" : ""}  · ${message}${details ? ` (${details})` : ""}\n`);
      } else logger.info(figures, message);
    },
  };
}
