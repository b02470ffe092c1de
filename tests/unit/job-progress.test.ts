import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createProgress } from "../../jobs/train/progress.js";

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

function jsonLogger(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const out = sink();
  return {
    logger: pino({ level: "info" }, out.stream),
    lines: () =>
      out
        .text()
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe("createProgress without a terminal", () => {
  it("when a stage ends, then one structured log line has its name, duration, memory and figures", async () => {
    const { logger, lines } = jsonLogger();
    const progress = createProgress({ logger });
    const value = await progress.stage(
      "select",
      () => {
        progress.update("fold 1/2");
        return Promise.resolve(42);
      },
      (n) => ({ chosen: `d${n}` }),
    );
    expect(value).toBe(42);
    const [line] = lines();
    expect(line).toMatchObject({ stage: "select", chosen: "d42", msg: "stage select done", level: 30 });
    expect(typeof line!.seconds).toBe("number");
    expect(line!.peak_rss_mb as number).toBeGreaterThan(10);
    expect(progress.timings).toHaveLength(1);
    expect(progress.timings[0]!.stage).toBe("select");
    expect(progress.timings[0]!.seconds).toBeGreaterThanOrEqual(0);
    expect(progress.timings[0]!.peakRssMb).toBe(line!.peak_rss_mb);
  });

  it("when a stage fails, then the error propagates, the stage is logged as failed and still timed", async () => {
    const { logger, lines } = jsonLogger();
    const progress = createProgress({ logger });
    await expect(progress.stage("ingest", () => Promise.reject(new Error("Yahoo down")))).rejects.toThrow("Yahoo down");
    expect(lines()[0]).toMatchObject({ stage: "ingest", msg: "stage ingest failed", level: 40 });
    expect(progress.timings.map((t) => t.stage)).toEqual(["ingest"]);
  });
});

describe("createProgress on a terminal", () => {
  it("when stages run, then each gets a human line, updated in place while it reports progress", async () => {
    const { logger, lines } = jsonLogger();
    const tty = sink();
    const progress = createProgress({ logger, tty: tty.stream });
    await progress.stage(
      "select",
      () => {
        progress.update("grid point 1/9 · fold 2/4");
        progress.note("training window capped", { rows: 2500 });
        return Promise.resolve();
      },
      () => ({ chosen: "d6-l50-fsqrt" }),
    );
    const text = tty.text();
    expect(text).toContain("  select    grid point 1/9 · fold 2/4");
    expect(text).toContain("  · training window capped (rows 2500)\n");
    expect(text).toMatch(/✔ select\s+\d+\.\d s {2}chosen d6-l50-fsqrt\n$/);
    expect(lines()).toEqual([]);
  });

  it("when a stage fails on a terminal, then its line says so", async () => {
    const tty = sink();
    const progress = createProgress({ logger: pino({ level: "silent" }), tty: tty.stream });
    await expect(progress.stage("train", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(tty.text()).toMatch(/✖ train\s+\d+\.\d s {2}failed\n$/);
  });
});
