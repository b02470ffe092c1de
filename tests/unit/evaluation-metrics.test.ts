import { describe, expect, it } from "vitest";
import { brierScore, evaluate, logLoss, rocAuc, rocCurve, type RocPoint } from "../../lib/evaluation/metrics.js";
import { randomInt, seededRandom } from "../helpers/seeded-random.js";

// A hand-worked example: 4 UP days and 4 DOWN days.
const Y = [1, 1, 1, 0, 0, 0, 1, 0];
const P = [0.9, 0.8, 0.4, 0.6, 0.2, 0.1, 0.7, 0.5];

/** AUC as the share of (UP, DOWN) pairs where UP scores higher, ties counting one half. */
function bruteForceAuc(y: number[], p: number[]): number {
  let wins = 0;
  let pairs = 0;
  y.forEach((yi, i) => {
    if (yi !== 1) return;
    y.forEach((yj, j) => {
      if (yj !== 0) return;
      pairs++;
      const [pi, pj] = [p[i] as number, p[j] as number];
      wins += pi > pj ? 1 : pi === pj ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

const trapezoidArea = (points: RocPoint[]): number =>
  points.slice(1).reduce((area, point, i) => {
    const previous = points[i] as RocPoint;
    return area + ((point.fpr - previous.fpr) * (point.tpr + previous.tpr)) / 2;
  }, 0);

describe("evaluate on a hand-worked example", () => {
  const report = evaluate(Y, P, 0.5);

  it("when P(UP) >= 0.5 means UP, then the confusion matrix is tp 3, fp 2, tn 2, fn 1", () => {
    // 0.5 on a DOWN day counts as a predicted UP (>=, as in the API).
    expect(report.confusion).toEqual({ tp: 3, fp: 2, tn: 2, fn: 1 });
    expect(report.n).toBe(8);
    expect(report.positiveRate).toBe(0.5);
    expect(report.predictedPositiveRate).toBe(5 / 8);
  });

  it("when the matrix is known, then accuracy, balanced accuracy, precision, recall and F1 follow", () => {
    expect(report.accuracy).toBe(5 / 8);
    expect(report.balancedAccuracy).toBeCloseTo((3 / 4 + 2 / 4) / 2, 15);
    expect(report.precision).toBe(3 / 5);
    expect(report.recall).toBe(3 / 4);
    expect(report.f1).toBeCloseTo(2 / 3, 15);
  });

  it("when scoring the probabilities, then AUC is 14/16, log loss 0.44242647 and Brier 0.145", () => {
    expect(report.rocAuc).toBe(14 / 16);
    expect(report.logLoss).toBeCloseTo(3.539411724 / 8, 8);
    expect(report.brier).toBeCloseTo(0.145, 15);
  });

  it("when the ROC curve is drawn, then it has one point per distinct score from (0,0) to (1,1)", () => {
    expect(report.roc).toEqual([
      { fpr: 0, tpr: 0, threshold: null },
      { fpr: 0, tpr: 0.25, threshold: 0.9 },
      { fpr: 0, tpr: 0.5, threshold: 0.8 },
      { fpr: 0, tpr: 0.75, threshold: 0.7 },
      { fpr: 0.25, tpr: 0.75, threshold: 0.6 },
      { fpr: 0.5, tpr: 0.75, threshold: 0.5 },
      { fpr: 0.5, tpr: 1, threshold: 0.4 },
      { fpr: 0.75, tpr: 1, threshold: 0.2 },
      { fpr: 1, tpr: 1, threshold: 0.1 },
    ]);
    expect(trapezoidArea(report.roc as RocPoint[])).toBe(14 / 16);
  });
});

describe("ROC AUC with ties", () => {
  it("when every score is equal, then AUC is 0.5 and the curve is the diagonal", () => {
    expect(rocAuc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(rocCurve([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])).toEqual([
      { fpr: 0, tpr: 0, threshold: null },
      { fpr: 1, tpr: 1, threshold: 0.5 },
    ]);
  });

  it("when an UP and a DOWN day tie, then the pair counts one half", () => {
    expect(rocAuc([1, 1, 0, 0], [0.8, 0.5, 0.5, 0.2])).toBe(3.5 / 4);
  });

  it("when compared with a brute-force pairwise count on 300 random tied inputs, then AUC and the curve's area agree", () => {
    const random = seededRandom(99);
    for (let k = 0; k < 300; k++) {
      const n = randomInt(random, 2, 60);
      const y = Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0));
      y[0] = 1;
      y[1] = 0;
      const p = Array.from({ length: n }, () => randomInt(random, 0, 10) / 10); // many ties
      const expected = bruteForceAuc(y, p);
      expect(rocAuc(y, p)).toBeCloseTo(expected, 12);
      expect(trapezoidArea(rocCurve(y, p) as RocPoint[])).toBeCloseTo(expected, 12);
    }
  });

  it("when only one class is present, then AUC and the curve are null and balanced accuracy uses that class", () => {
    const report = evaluate([1, 1, 1], [0.9, 0.4, 0.6]);
    expect(report.rocAuc).toBeNull();
    expect(report.roc).toBeNull();
    expect(report.balancedAccuracy).toBe(2 / 3);
  });
});

describe("probability scores", () => {
  it("when a probability is 0 or 1 and wrong, then log loss is clipped at -ln(1e-15) instead of Infinity", () => {
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(1e-15), 10); // 34.5388
    expect(logLoss([0], [1])).toBeCloseTo(-Math.log(1 - (1 - 1e-15)), 10); // 1 - 1e-15 rounds in floating point
    expect(Number.isFinite(logLoss([0, 1], [1, 0]))).toBe(true);
    expect(logLoss([1, 0], [1, 0])).toBeLessThan(1e-14);
  });

  it("when probabilities are exact or opposite, then Brier is 0 or 1", () => {
    expect(brierScore([1, 0], [1, 0])).toBe(0);
    expect(brierScore([1, 0], [0, 1])).toBe(1);
  });

  it("when nothing is predicted UP, then precision, recall and F1 are 0 rather than NaN", () => {
    const report = evaluate([1, 0, 1], [0.1, 0.2, 0.3], 0.5);
    expect([report.precision, report.recall, report.f1]).toEqual([0, 0, 0]);
  });

  it("when the threshold is 0, then everything is UP; when 1, only certain UPs", () => {
    expect(evaluate(Y, P, 0).predictedPositiveRate).toBe(1);
    expect(evaluate([1, 0], [1, 0.99], 1).confusion).toEqual({ tp: 1, fp: 0, tn: 1, fn: 0 });
  });
});

describe("evaluate: bad input", () => {
  it.each([
    [[1, 0], [0.5], "2 labels but 1 probabilities"],
    [[], [], "cannot evaluate an empty set"],
    [[1, 2], [0.5, 0.5], "label 1 is 2; labels must be 0 or 1"],
    [[1, 0], [0.5, Number.NaN], "probability 1 is NaN; must be in [0, 1]"],
    [[1, 0], [1.5, 0.5], "probability 0 is 1.5; must be in [0, 1]"],
  ])("when labels %o and probabilities %o are given, then it throws a clear RangeError", (y, p, message) => {
    expect(() => evaluate(y, p)).toThrow(new RangeError(message));
  });

  it("when the threshold is outside [0, 1], then it throws", () => {
    expect(() => evaluate([1], [0.5], 1.5)).toThrow("threshold must be in [0, 1], got 1.5");
  });
});
