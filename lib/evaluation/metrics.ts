/**
 * Binary classification metrics with UP (1) as the positive class. Predictions are "UP" when P(UP) >= threshold,
 * the same rule as the API. Undefined values follow scikit-learn's zero_division=0 convention (precision with no
 * predicted UP is 0); ROC AUC is null when only one class is present.
 */

export interface ConfusionMatrix {
  /** Predicted UP, was UP. */
  tp: number;
  /** Predicted UP, was DOWN. */
  fp: number;
  /** Predicted DOWN, was DOWN. */
  tn: number;
  /** Predicted DOWN, was UP. */
  fn: number;
}

export interface RocPoint {
  fpr: number;
  tpr: number;
  /** Scores >= threshold count as UP at this point; null for the origin (nothing predicted UP). */
  threshold: number | null;
}

export interface EvaluationReport {
  n: number;
  threshold: number;
  /** Share of UP days in the truth. */
  positiveRate: number;
  /** Share of days predicted UP. */
  predictedPositiveRate: number;
  confusion: ConfusionMatrix;
  accuracy: number;
  balancedAccuracy: number;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number | null;
  logLoss: number;
  brier: number;
  /** ROC curve points for plotting; null when only one class is present. */
  roc: RocPoint[] | null;
}

/** Probabilities are clipped to [LOG_LOSS_EPS, 1 - LOG_LOSS_EPS] in log loss (as scikit-learn does). */
export const LOG_LOSS_EPS = 1e-15;

/** Throws a RangeError unless yTrue is 0/1, scores are finite numbers in [0, 1] and the lengths match. */
export function checkBinaryInputs(yTrue: readonly number[], scores: readonly number[]): void {
  if (yTrue.length !== scores.length) {
    throw new RangeError(`${yTrue.length} labels but ${scores.length} probabilities`);
  }
  if (yTrue.length === 0) throw new RangeError("cannot evaluate an empty set");
  yTrue.forEach((y, i) => {
    if (y !== 0 && y !== 1) throw new RangeError(`label ${i} is ${y}; labels must be 0 or 1`);
  });
  scores.forEach((p, i) => {
    if (!Number.isFinite(p) || p < 0 || p > 1) throw new RangeError(`probability ${i} is ${p}; must be in [0, 1]`);
  });
}

const ratio = (numerator: number, denominator: number): number => (denominator === 0 ? 0 : numerator / denominator);

export function confusionMatrix(yTrue: readonly number[], yPred: readonly number[]): ConfusionMatrix {
  const cm: ConfusionMatrix = { tp: 0, fp: 0, tn: 0, fn: 0 };
  yTrue.forEach((y, i) => {
    const predicted = yPred[i];
    if (predicted === 1) {
      if (y === 1) cm.tp++;
      else cm.fp++;
    } else if (y === 1) cm.fn++;
    else cm.tn++;
  });
  return cm;
}

export function accuracy(cm: ConfusionMatrix): number {
  return ratio(cm.tp + cm.tn, cm.tp + cm.tn + cm.fp + cm.fn);
}

/** Mean of the recall of each class present in the truth. */
export function balancedAccuracy(cm: ConfusionMatrix): number {
  const recalls: number[] = [];
  if (cm.tp + cm.fn > 0) recalls.push(cm.tp / (cm.tp + cm.fn));
  if (cm.tn + cm.fp > 0) recalls.push(cm.tn / (cm.tn + cm.fp));
  return recalls.length === 0 ? 0 : recalls.reduce((a, b) => a + b, 0) / recalls.length;
}

export function precision(cm: ConfusionMatrix): number {
  return ratio(cm.tp, cm.tp + cm.fp);
}

export function recall(cm: ConfusionMatrix): number {
  return ratio(cm.tp, cm.tp + cm.fn);
}

export function f1Score(cm: ConfusionMatrix): number {
  return ratio(2 * cm.tp, 2 * cm.tp + cm.fp + cm.fn);
}

/**
 * Area under the ROC curve via the Mann-Whitney statistic with average ranks, so tied scores count one half:
 * the probability that a random UP day scores higher than a random DOWN day. Null with only one class.
 */
export function rocAuc(yTrue: readonly number[], scores: readonly number[]): number | null {
  const positives = yTrue.filter((y) => y === 1).length;
  const negatives = yTrue.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const order = scores.map((score, i) => ({ score, i })).sort((a, b) => a.score - b.score);
  let positiveRankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]?.score === order[start]?.score) end++;
    const averageRank = (start + end) / 2 + 1; // ranks are 1-based
    for (let k = start; k <= end; k++) if (yTrue[order[k]?.i ?? -1] === 1) positiveRankSum += averageRank;
    start = end + 1;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** ROC curve: one point per distinct score (highest first), from (0, 0) to (1, 1); null with only one class. */
export function rocCurve(yTrue: readonly number[], scores: readonly number[]): RocPoint[] | null {
  const positives = yTrue.filter((y) => y === 1).length;
  const negatives = yTrue.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const order = scores.map((score, i) => ({ score, y: yTrue[i] })).sort((a, b) => b.score - a.score);
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: null }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const item = order[k] as { score: number; y: number | undefined };
    if (item.y === 1) tp++;
    else fp++;
    if (order[k + 1]?.score !== item.score) {
      points.push({ fpr: fp / negatives, tpr: tp / positives, threshold: item.score });
    }
  }
  return points;
}

/** Mean negative log-likelihood of the truth, with probabilities clipped to [eps, 1 - eps]. */
export function logLoss(yTrue: readonly number[], pUp: readonly number[], eps = LOG_LOSS_EPS): number {
  let total = 0;
  yTrue.forEach((y, i) => {
    const p = Math.min(1 - eps, Math.max(eps, pUp[i] ?? Number.NaN));
    total -= y === 1 ? Math.log(p) : Math.log(1 - p);
  });
  return total / yTrue.length;
}

/** Mean squared difference between P(UP) and the outcome. */
export function brierScore(yTrue: readonly number[], pUp: readonly number[]): number {
  let total = 0;
  yTrue.forEach((y, i) => (total += ((pUp[i] ?? Number.NaN) - y) ** 2));
  return total / yTrue.length;
}

/** All metrics for one set of predictions; "UP" when P(UP) >= threshold. */
export function evaluate(yTrue: readonly number[], pUp: readonly number[], threshold = 0.5): EvaluationReport {
  checkBinaryInputs(yTrue, pUp);
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
    throw new RangeError(`threshold must be in [0, 1], got ${threshold}`);
  }
  const yPred = pUp.map((p) => (p >= threshold ? 1 : 0));
  const cm = confusionMatrix(yTrue, yPred);
  const n = yTrue.length;
  return {
    n,
    threshold,
    positiveRate: (cm.tp + cm.fn) / n,
    predictedPositiveRate: (cm.tp + cm.fp) / n,
    confusion: cm,
    accuracy: accuracy(cm),
    balancedAccuracy: balancedAccuracy(cm),
    precision: precision(cm),
    recall: recall(cm),
    f1: f1Score(cm),
    rocAuc: rocAuc(yTrue, pUp),
    logLoss: logLoss(yTrue, pUp),
    brier: brierScore(yTrue, pUp),
    roc: rocCurve(yTrue, pUp),
  };
}
