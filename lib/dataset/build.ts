import { computeFeatures } from "../features/compute.js";
import type { FeatureSpec } from "../features/spec.js";
import { DataError } from "../market/errors.js";
import type { Bar } from "../market/types.js";
import { barsDigest } from "./digest.js";
import { LABEL_DEFINITION, nextCloseLabels } from "./label.js";

/** What the dataset was built from, for the MLflow dataset input and run tags. */
export interface DatasetLineage {
  /** sha256 of the bars used (see barsDigest). */
  digest: string;
  /** Bars used, warm-up included. */
  barCount: number;
  firstBarDate: string;
  lastBarDate: string;
  /** Labelled rows (X/y). */
  rows: number;
  firstRowDate: string;
  lastRowDate: string;
  /** Leading bars dropped as feature warm-up. */
  warmup: number;
  featureSpecVersion: number;
  label: typeof LABEL_DEFINITION;
}

export interface Dataset {
  names: string[];
  /** Date of each labelled row. */
  dates: string[];
  X: number[][];
  /** 1 = UP, 0 = DOWN (integer labels, as ml-random-forest needs). */
  y: (0 | 1)[];
  /** Features of the last bar, whose next close is unknown: the input of tomorrow's prediction. Never in X/y. */
  latest: { date: string; features: number[] };
  lineage: DatasetLineage;
}

/**
 * Features and labels for training and evaluation. Rows without a known next close are never in X/y: the last
 * bar's features go to `latest` only. Pass the whole history available (as of the chosen date): features are
 * computed once over it, then the warm-up is dropped.
 */
export function buildDataset(bars: readonly Bar[], spec: FeatureSpec): Dataset {
  const matrix = computeFeatures(bars, spec);
  const labelByDate = new Map<string, 0 | 1 | null>();
  const labels = nextCloseLabels(bars);
  bars.forEach((bar, t) => labelByDate.set(bar.date, labels[t] ?? null));

  const dates: string[] = [];
  const X: number[][] = [];
  const y: (0 | 1)[] = [];
  let latest: Dataset["latest"] | undefined;
  matrix.rows.forEach((row, i) => {
    const date = matrix.dates[i] as string;
    const label = labelByDate.get(date);
    if (label === undefined || label === null) {
      latest = { date, features: row };
      return;
    }
    dates.push(date);
    X.push(row);
    y.push(label);
  });
  const lastBar = bars.at(-1);
  if (!latest || !lastBar || latest.date !== lastBar.date || X.length === 0) {
    throw new DataError(
      `too few bars for a dataset: ${bars.length} bars leave ${X.length} labelled rows after a warm-up of ` +
        `${matrix.warmup} bars`,
    );
  }
  return {
    names: matrix.names,
    dates,
    X,
    y,
    latest,
    lineage: {
      digest: barsDigest(bars),
      barCount: bars.length,
      firstBarDate: (bars[0] as Bar).date,
      lastBarDate: lastBar.date,
      rows: X.length,
      firstRowDate: dates[0] as string,
      lastRowDate: dates.at(-1) as string,
      warmup: matrix.warmup,
      featureSpecVersion: spec.version,
      label: LABEL_DEFINITION,
    },
  };
}
