/**
 * Quantile binning for the fast trainer, computed once per training: each feature gets at most
 * `maxBins` bins separated by thresholds placed between distinct values at equal-frequency positions.
 * A row's bin code is the number of thresholds <= its value, so "code <= k" is exactly
 * "value < thresholds[k]": the comparison ml-random-forest's trees make with `splitValue`.
 */
export interface BinnedMatrix {
  rows: number;
  features: number;
  /** Bin codes, feature-major: `codes[f * rows + i]`. */
  codes: Uint8Array;
  /** Split candidates per feature, strictly increasing; feature f has `thresholds[f].length + 1` bins. */
  thresholds: Float64Array[];
}

export const MAX_BINS = 256;

export function binMatrix(X: readonly (readonly number[])[], maxBins: number, codes?: Uint8Array): BinnedMatrix {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > MAX_BINS) {
    throw new RangeError(`maxBins must be an integer in [2, ${MAX_BINS}], got ${maxBins}`);
  }
  const rows = X.length;
  const features = rows > 0 ? X[0]!.length : 0;
  const out = codes ?? new Uint8Array(rows * features);
  const thresholds: Float64Array[] = [];
  const column = new Float64Array(rows);
  for (let f = 0; f < features; f++) {
    for (let i = 0; i < rows; i++) column[i] = X[i]![f]!;
    const cuts = quantileThresholds(column.slice().sort(), maxBins);
    thresholds.push(cuts);
    const base = f * rows;
    for (let i = 0; i < rows; i++) out[base + i] = upperBound(cuts, column[i]!);
  }
  return { rows, features, codes: out, thresholds };
}

/** At most maxBins - 1 thresholds, each strictly between two distinct neighbouring values of `sorted`. */
function quantileThresholds(sorted: Float64Array, maxBins: number): Float64Array {
  const n = sorted.length;
  const cuts: number[] = [];
  let distinct = n > 0 ? 1 : 0;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  if (distinct <= maxBins) {
    for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) cuts.push(between(sorted[i - 1]!, sorted[i]!));
    return Float64Array.from(cuts);
  }
  // Equal-frequency positions; a position inside a run of equal values moves to the run's end.
  let last = -Infinity;
  for (let k = 1; k < maxBins; k++) {
    let pos = Math.round((k * n) / maxBins);
    while (pos < n && sorted[pos] === sorted[pos - 1]) pos++;
    if (pos <= 0 || pos >= n) continue;
    const cut = between(sorted[pos - 1]!, sorted[pos]!);
    if (cut > last) {
      cuts.push(cut);
      last = cut;
    }
  }
  return Float64Array.from(cuts);
}

/** A threshold t with a < t <= b (the midpoint, as ml-cart uses, unless rounding puts it on a). */
function between(a: number, b: number): number {
  const mid = a / 2 + b / 2;
  return mid > a ? mid : b;
}

/** Number of thresholds <= x. */
function upperBound(cuts: Float64Array, x: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
