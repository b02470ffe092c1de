import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decidePromotion } from "../../jobs/train/decision.js";
import { runTraining } from "../../jobs/train/pipeline.js";
import { calibrationBins, championPlots, trainingPlots } from "../../jobs/train/plots.js";
import type { RescoredChampion } from "../../jobs/train/promote.js";
import {
  buildReport,
  formatSummary,
  predictionsCsv,
  type TrackingOutcome,
  type TrainingResult,
} from "../../jobs/train/report.js";
import { datasetInput, selectionMetrics, settingsParams, versionTags } from "../../jobs/train/run-logging.js";
import { evaluate } from "../../lib/evaluation/metrics.js";
import { closeTrainingWorkers } from "../../lib/model/worker-pool.js";
import { smallTrainingConfig, testTrainingDeps } from "../helpers/job-fixture.js";
import { findAll, parseXml, textOf } from "../helpers/plots-xml.js";

let result: TrainingResult;
let champion: RescoredChampion;
let tracking: TrackingOutcome;

beforeAll(async () => {
  const outcome = await runTraining(
    smallTrainingConfig({ dryRun: true }),
    testTrainingDeps({ now: () => new Date("2023-10-02T12:00:00Z") }),
  );
  if (outcome.status !== "dry_run") throw new Error(`unexpected ${outcome.status}`);
  result = outcome.result;
  // A "champion" that is always 0.6: enough to exercise the comparison parts of the report.
  const pUp = result.evaluation.y.map(() => 0.6);
  champion = {
    version: "3",
    report: evaluate(result.evaluation.y, pUp),
    pUp,
    asOf: "2023-06-30",
    trainedThrough: "2023-04-28",
  };
  tracking = {
    runId: "0123456789abcdef0123456789abcdef",
    experimentId: "7",
    version: "4",
    promotion: {
      decision: decidePromotion({
        metric: "roc_auc",
        margin: 0.005,
        challenger: { version: "4", score: result.evaluation.model.rocAuc },
        alwaysUp: 0.5,
        champion: { kind: "rescored", version: "3", score: champion.report.rocAuc },
      }),
      champion,
      move: undefined,
    },
    decisionError: undefined,
  };
});

afterAll(closeTrainingWorkers);

describe("trainingPlots", () => {
  it("when rendering the run's charts, then each is well-formed SVG under plots/", () => {
    const plots = trainingPlots(result);
    expect(Object.keys(plots).sort()).toEqual([
      "plots/calibration.svg",
      "plots/confusion_matrix.svg",
      "plots/feature_importance.svg",
      "plots/fold_scores.svg",
      "plots/p_up_distribution.svg",
      "plots/roc_curve.svg",
      "plots/rolling_accuracy.svg",
    ]);
    for (const svg of Object.values(plots)) expect(parseXml(svg).name).toBe("svg");
  });

  it("when drawing the model's charts, then they hold the run's real numbers", () => {
    const plots = trainingPlots(result);
    const n = result.evaluation.model.n;

    const importance = findAll(parseXml(plots["plots/feature_importance.svg"]!), "g", "bar");
    expect(importance).toHaveLength(result.prepared.dataset.names.length);
    const values = importance.map((bar) => Number(bar.attrs["data-value"]));
    expect([...values].sort((a, b) => b - a)).toEqual(values);

    const cells = findAll(parseXml(plots["plots/confusion_matrix.svg"]!), "g", "cell");
    expect(cells.reduce((sum, cell) => sum + Number(cell.attrs["data-value"]), 0)).toBe(n);

    const rolling = parseXml(plots["plots/rolling_accuracy.svg"]!);
    const model = findAll(rolling, "g", "series").find((g) => g.attrs["data-series"] === "model")!;
    const points = findAll(model, "polyline")[0]!.attrs.points!.split(" ");
    expect(points).toHaveLength(n - result.evaluation.rolling.window + 1);
    expect(findAll(rolling, "g", "legend-entry").map(textOf)).toEqual(["model", "always UP", "yesterday's direction"]);

    const folds = findAll(parseXml(plots["plots/fold_scores.svg"]!), "g", "series");
    expect(folds).toHaveLength(result.selection.candidates.length);
    expect(folds.filter((g) => g.attrs["data-series"]!.endsWith("(chosen)"))).toHaveLength(1);
    for (const g of folds) expect(findAll(g, "circle")).toHaveLength(result.prepared.plan.folds.length);

    const roc = findAll(parseXml(plots["plots/roc_curve.svg"]!), "g", "series").map((g) => g.attrs["data-series"]);
    expect(roc[0]).toMatch(/^model \(AUC 0\.\d{4}\)$/);

    const histogram = findAll(parseXml(plots["plots/p_up_distribution.svg"]!), "g", "bar");
    expect(histogram.reduce((sum, bar) => sum + Number(bar.attrs["data-value"]), 0)).toBe(n);
  });

  it("when a champion was re-scored, then a second ROC chart compares it with the challenger", () => {
    const plots = championPlots(result, "4", champion);
    const series = findAll(parseXml(plots["plots/roc_vs_champion.svg"]!), "g", "series").map(
      (g) => g.attrs["data-series"],
    );
    expect(series).toEqual([expect.stringMatching(/^challenger v4 \(AUC/), "champion v3 (AUC 0.5000)", "chance"]);
  });
});

describe("calibrationBins", () => {
  it("when probabilities fall in some bins, then empty bins are NaN and counts add up", () => {
    const bins = calibrationBins([1, 0, 1, 1], [0.05, 0.15, 0.12, 1], 10);
    expect(bins.counts).toEqual([1, 2, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(bins.observed[1]).toBe(0.5);
    expect(bins.predicted[1]).toBeCloseTo(0.135, 12);
    expect(bins.observed[5]).toBeNaN();
  });
});

describe("buildReport and predictionsCsv", () => {
  it("when building eval/report.json, then it holds data, split, selection, model, evaluation, champion and decision", () => {
    const report = JSON.parse(JSON.stringify(buildReport(result, tracking, [], new Date("2023-10-02T12:00:00Z")))) as {
      selection: { candidates: unknown[] };
      evaluation: {
        model: { confusion: unknown };
        baselines: { always_up: { accuracy: number } };
        rolling_accuracy: { model: unknown[] };
      };
      decision: { reason: string };
    };
    expect(report).toMatchObject({
      format_version: 1,
      as_of: "2023-09-29",
      data: { bars: 500, first_bar_date: "2021-10-05", last_bar_date: "2023-09-29", cleaning: { outputRows: 500 } },
      dataset: { rows: 300, features: result.prepared.dataset.names },
      split: { eval: { first: "2023-08-03", last: "2023-09-28", rows: 40 }, purge_gap: 1 },
      selection: { metric: "roc_auc", chosen: result.selection.best.key },
      champion: { version: "3", trained_through: "2023-04-28", evaluation: { n: 40 } },
      decision: { version: "4", metric: "roc_auc", margin: 0.005 },
      mlflow: { run_id: tracking.runId, experiment_id: "7" },
    });
    expect(report.selection.candidates).toHaveLength(2);
    expect(report.evaluation.model.confusion).toEqual(result.evaluation.model.confusion);
    expect(report.evaluation.baselines.always_up.accuracy).toBe(result.evaluation.baselines.alwaysUp.accuracy);
    expect(report.evaluation.rolling_accuracy.model).toHaveLength(40);
    expect(report.decision.reason).toBe(tracking.promotion!.decision.reason);
  });

  it("when writing predictions, then there is one line per evaluation day with the champion's P(UP) beside", () => {
    const lines = predictionsCsv(result.evaluation, champion.pUp).trim().split("\n");
    expect(lines[0]).toBe("date,actual_up,p_up,predicted_up,champion_p_up");
    expect(lines).toHaveLength(41);
    expect(lines[1]).toMatch(/^2023-08-03,[01],0\.\d{6},[01],0\.600000$/);
  });

  it("when summarising a tracked run, then the summary names the run, the version and the decision", () => {
    const summary = formatSummary(result, tracking);
    expect(summary).toContain(`MLflow    run ${tracking.runId} (experiment 7)`);
    expect(summary).toContain("registry  spy-direction v4 (alias challenger)");
    expect(summary).toMatch(/^champion v3\s+0\.5000/m);
    expect(summary).toContain(`decision  `);
  });
});

describe("what the run logs", () => {
  it("when logging settings, then every setting, the feature spec and the label definition are params", () => {
    const params = settingsParams(result.config, result.prepared);
    expect(params).toMatchObject({
      trainer: "fast",
      n_estimators: 15,
      grid_max_depth: "3,5",
      eval_days: 40,
      purge_gap_days: 1,
      wf_folds: 2,
      train_max_rows: "none",
      promotion_metric: "roc_auc",
      feature_spec_version: 1,
      feature_count: 23,
      label_rule: "1 if close[t+1] > close[t] else 0; the last bar has no label",
      eval_first_date: "2023-08-03",
    });
    for (const value of Object.values(params)) expect(String(value).length).toBeLessThan(6000);
  });

  it("when logging fold scores, then each grid point has one point per fold with step = fold index", () => {
    const metrics = selectionMetrics(result.selection);
    for (const candidate of result.selection.candidates) {
      const steps = metrics.filter((m) => m.key === `cv/${candidate.key}/roc_auc`).map((m) => m.step);
      expect(steps).toEqual([0, 1]);
    }
    expect(metrics.filter((m) => m.key === "cv_best_roc_auc")).toHaveLength(2);
  });

  it("when describing the dataset input, then it has the digest, source, feature schema and a profile", () => {
    const input = datasetInput(result.ingest, result.prepared);
    expect(input).toMatchObject({
      name: "spy-daily-features",
      digest: result.prepared.dataset.lineage.digest.slice(0, 16),
      sourceType: "local",
      context: "training",
      profile: { num_rows: 300, first_bar_date: "2021-10-05", last_bar_date: "2023-09-29" },
    });
    const schema = input.schema as { mlflow_colspec: { name: string }[] };
    expect(schema.mlflow_colspec).toHaveLength(23 + 2);
  });

  it("when tagging the version, then the tags carry the data range, key metrics and the baseline", () => {
    const tags = versionTags(result);
    expect(tags).toMatchObject({
      as_of: "2023-09-29",
      eval_first_date: "2023-08-03",
      eval_last_date: "2023-09-28",
      eval_rows: "40",
      primary_metric: "roc_auc",
      "baseline.always_up.roc_auc": "0.5",
      trainer: "fast",
    });
    expect(Number(tags["eval.roc_auc"])).toBe(result.evaluation.model.rocAuc);
    expect(Number(tags["eval.accuracy"])).toBe(result.evaluation.model.accuracy);
  });
});
