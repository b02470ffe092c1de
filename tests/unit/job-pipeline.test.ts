import { afterAll, describe, expect, it } from "vitest";
import { runTraining, type TrainOutcome } from "../../jobs/train/pipeline.js";
import { closeTrainingWorkers } from "../../lib/model/worker-pool.js";
import { smallTrainingConfig, testTrainingDeps } from "../helpers/job-fixture.js";

afterAll(closeTrainingWorkers);

async function dryRun(asOf?: string): Promise<{ outcome: TrainOutcome; stages: string[] }> {
  const deps = testTrainingDeps({ now: () => new Date("2023-10-02T12:00:00Z") });
  const outcome = await runTraining(smallTrainingConfig({ dryRun: true, ...(asOf ? { asOf } : {}) }), deps);
  return { outcome, stages: deps.progress.timings.map((t) => t.stage) };
}

describe("runTraining as a dry run (no MLflow)", () => {
  it("when run without MLflow, then it trains and evaluates through every local stage and prints a summary", async () => {
    const { outcome, stages } = await dryRun();
    expect(outcome.status).toBe("dry_run");
    expect(stages).toEqual(["ingest", "dataset", "select", "train", "evaluate"]);
    if (outcome.status !== "dry_run") return;
    const { summary, result } = outcome;
    expect(summary).toContain("as of 2023-09-29 · SPY · 500 bars 2021-10-05..2023-09-29");
    expect(summary).toContain(`best of 2 by 2-fold walk-forward roc_auc`);
    expect(summary).toMatch(/^evaluation 2023-08-03\.\.2023-09-28 \(40 rows, purge gap 1\)$/m);
    expect(summary).toMatch(/^model\s+0\.\d{4}\s+0\.\d{4}/m);
    expect(summary).toMatch(/^always UP\s+0\.5000\s/m);
    expect(summary).toMatch(/^yesterday's direction\s+0\.\d{4}/m);
    expect(summary).toContain("dry run: nothing was written to MLflow");
    expect(result.evaluation.model.n).toBe(40);
  });

  it("when trained as of a past date, then no row after that date is used for training, selection or evaluation", async () => {
    const { outcome } = await dryRun("2023-06-30");
    if (outcome.status !== "dry_run") throw new Error(`unexpected ${outcome.status}`);
    const { result } = outcome;
    expect(result.ingest.asOf).toBe("2023-06-30");
    expect(result.prepared.dataset.latest.date).toBe("2023-06-30");
    expect(result.evaluation.dates.at(-1)).toBe("2023-06-29");
    expect(result.fit.lastDate < result.evaluation.dates[0]!).toBe(true);
    for (const candidate of result.selection.candidates) {
      for (const fold of candidate.folds) {
        expect(fold.testLastDate <= result.fit.lastDate).toBe(true);
        expect(fold.testLastDate < result.evaluation.dates[0]!).toBe(true);
      }
    }
  });

  it("when run twice on the same data, then the model and its scores are identical", async () => {
    const [a, b] = [await dryRun("2023-06-30"), await dryRun("2023-06-30")];
    if (a.outcome.status !== "dry_run" || b.outcome.status !== "dry_run") throw new Error("expected dry runs");
    expect(b.outcome.result.fit.trained.model).toEqual(a.outcome.result.fit.trained.model);
    expect(b.outcome.result.evaluation.pUp).toEqual(a.outcome.result.evaluation.pUp);
  });

  it("when not a dry run and no MLflow client is given, then it refuses before doing anything", async () => {
    await expect(runTraining(smallTrainingConfig(), testTrainingDeps())).rejects.toThrow("needs an MLflow client");
  });
});
