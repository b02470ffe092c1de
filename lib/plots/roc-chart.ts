import { lineChart } from "./line-chart.js";
import { THEME } from "./theme.js";

export interface RocCurve {
  /** Legend name, e.g. "model (AUC 0.553)". */
  name: string;
  /** From (0, 0) to (1, 1), as lib/evaluation's rocCurve returns them. */
  points: readonly { fpr: number; tpr: number }[];
  dashed?: boolean;
}

/** ROC curves on a square 0..1 plot with the chance diagonal. */
export function rocChart(options: {
  title: string;
  curves: readonly RocCurve[];
  width?: number;
  height?: number;
}): string {
  return lineChart({
    title: options.title,
    xLabel: "false positive rate (DOWN days predicted UP)",
    yLabel: "true positive rate (UP days predicted UP)",
    xDomain: { min: 0, max: 1 },
    yDomain: { min: 0, max: 1 },
    square: true,
    width: options.width ?? 560,
    height: options.height ?? 520,
    series: [
      ...options.curves.map((curve) => ({
        name: curve.name,
        points: curve.points.map((point) => ({ x: point.fpr, y: point.tpr })),
        dashed: curve.dashed ?? false,
      })),
      {
        name: "chance",
        points: [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ],
        color: THEME.muted,
        dashed: true,
      },
    ],
  });
}
