export { lineChart, type LineChartOptions, type LinePoint, type LineSeries, type ReferenceLine } from "./line-chart.js";
export { horizontalBarChart, type Bar, type BarChartOptions } from "./bar-chart.js";
export { heatmap, confusionMatrixChart, type HeatmapOptions, type ConfusionCounts } from "./heatmap.js";
export { rocChart, type RocCurve } from "./roc-chart.js";
export { escapeXml } from "./svg.js";
export { PALETTE } from "./theme.js";
