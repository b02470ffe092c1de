import type { EvaluationReport } from "../../lib/evaluation/metrics.js";
import { confusionMatrixChart, horizontalBarChart, lineChart, rocChart, type RocCurve } from "../../lib/plots/index.js";
import { formatMetric } from "./metrics.js";
import type { RescoredChampion } from "./promote.js";
import type { TrainingResult } from "./report.js";

/** The SVG charts of a training run, by artifact path (the MLflow UI shows .svg artifacts as images). */
export type PlotFiles = Record<string, string>;

const BINS = 10;

function rocCurveOf(name: string, report: EvaluationReport, dashed = false): RocCurve[] {
  return report.roc ? [{ name: `${name} (AUC ${formatMetric(report.rocAuc)})`, points: report.roc, dashed }] : [];
}

/** Mean P(UP) and observed UP rate per probability bin (NaN for empty bins), and the bin counts. */
export function calibrationBins(
  y: readonly number[],
  pUp: readonly number[],
  bins = BINS,
): { predicted: number[]; observed: number[]; counts: number[] } {
  const sums = new Array<number>(bins).fill(0);
  const ups = new Array<number>(bins).fill(0);
  const counts = new Array<number>(bins).fill(0);
  pUp.forEach((p, i) => {
    const bin = Math.min(bins - 1, Math.floor(p * bins));
    sums[bin]! += p;
    ups[bin]! += y[i]!;
    counts[bin]!++;
  });
  return {
    predicted: sums.map((sum, b) => (counts[b]! > 0 ? sum / counts[b]! : Number.NaN)),
    observed: ups.map((up, b) => (counts[b]! > 0 ? up / counts[b]! : Number.NaN)),
    counts,
  };
}

/** Charts of the evaluation window, the model and the model selection. */
export function trainingPlots(result: TrainingResult): PlotFiles {
  const { evaluation, selection, fit, prepared, ingest } = result;
  const { dates } = evaluation;
  const window = `${dates[0]}..${dates.at(-1)}`;
  const formatDate = (x: number): string => dates[Math.round(x)] ?? "";
  const calibration = calibrationBins(evaluation.y, evaluation.pUp);

  const importance = prepared.dataset.names
    .map((name, i) => ({ label: name, value: fit.trained.featureImportance[i]! }))
    .sort((a, b) => b.value - a.value);

  return {
    "plots/roc_curve.svg": rocChart({
      title: `ROC curve, evaluation window ${window}`,
      curves: [
        ...rocCurveOf("model", evaluation.model),
        ...rocCurveOf("yesterday's direction", evaluation.baselines.previousDayDirection, true),
      ],
    }),
    "plots/confusion_matrix.svg": confusionMatrixChart({
      title: `Confusion matrix (UP when P(UP) >= ${evaluation.model.threshold}), ${evaluation.model.n} days`,
      counts: evaluation.model.confusion,
    }),
    "plots/feature_importance.svg": horizontalBarChart({
      title: `Feature importance (mean decrease in impurity), as of ${ingest.asOf}`,
      xLabel: "share of the impurity decrease",
      bars: importance,
      formatValue: (value) => value.toFixed(3),
    }),
    "plots/rolling_accuracy.svg": lineChart({
      title: `Rolling ${evaluation.rolling.window}-day accuracy on the evaluation window`,
      xLabel: "evaluation day",
      yLabel: "accuracy",
      formatX: formatDate,
      yDomain: { min: 0, max: 1 },
      references: [{ y: 0.5, label: "coin flip" }],
      series: [
        { name: "model", points: evaluation.rolling.model.map((y, x) => ({ x, y })) },
        { name: "always UP", points: evaluation.rolling.alwaysUp.map((y, x) => ({ x, y })), dashed: true },
        {
          name: "yesterday's direction",
          points: evaluation.rolling.previousDay.map((y, x) => ({ x, y })),
          dashed: true,
        },
      ],
    }),
    "plots/fold_scores.svg": lineChart({
      title: `Walk-forward ${selection.metric} per fold and hyperparameters (chosen: ${selection.best.key})`,
      xLabel: "fold (oldest first)",
      yLabel: selection.metric,
      series: selection.candidates.map((candidate) => ({
        name: candidate.key === selection.best.key ? `${candidate.key} (chosen)` : candidate.key,
        points: candidate.folds.map((fold) => ({ x: fold.fold + 1, y: fold.metrics[selection.metric] ?? Number.NaN })),
        markers: true,
        dashed: candidate.key !== selection.best.key,
      })),
    }),
    "plots/calibration.svg": lineChart({
      title: `Calibration on the evaluation window, ${window}`,
      xLabel: "mean predicted P(UP) in the bin",
      yLabel: "observed share of UP days",
      xDomain: { min: 0, max: 1 },
      yDomain: { min: 0, max: 1 },
      square: true,
      width: 560,
      height: 520,
      series: [
        {
          name: "model",
          points: calibration.predicted.map((x, b) => ({ x, y: calibration.observed[b]! })),
          markers: true,
        },
        {
          name: "perfectly calibrated",
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
          dashed: true,
          color: "#666666",
        },
      ],
    }),
    "plots/p_up_distribution.svg": horizontalBarChart({
      title: `Days per predicted P(UP), evaluation window ${window}`,
      xLabel: "evaluation days",
      bars: calibration.counts.map((count, b) => ({
        label: `${(b / BINS).toFixed(1)}–${((b + 1) / BINS).toFixed(1)}`,
        value: count,
      })),
      formatValue: (value) => String(value),
    }),
  };
}

/** The challenger and the re-scored champion on the same evaluation window. */
export function championPlots(result: TrainingResult, version: string, champion: RescoredChampion): PlotFiles {
  const { dates } = result.evaluation;
  return {
    "plots/roc_vs_champion.svg": rocChart({
      title: `Challenger v${version} vs champion v${champion.version}, ${dates[0]}..${dates.at(-1)}`,
      curves: [
        ...rocCurveOf(`challenger v${version}`, result.evaluation.model),
        ...rocCurveOf(`champion v${champion.version}`, champion.report, true),
      ],
    }),
  };
}
