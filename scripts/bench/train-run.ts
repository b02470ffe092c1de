/**
 * One trainer run for bench:train:compare, in its own process so its peak memory is its own:
 * trains on the matrix file (optionally only its last N training rows), writes holdout P(UP) to a file
 * and prints one JSON line with timings. The first training includes starting the worker threads
 * ("cold"); with --repeat 2 a second, identical training reuses them ("warm").
 *
 * Usage: tsx scripts/bench/train-run.ts --input m.json --output p.json --algorithm fast --trees 200
 *        --max-depth 8 --min-samples-leaf 20 [--max-features sqrt] [--rows N] [--repeat 2] [--threads N]
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { trainForest, type TrainOptionsInput, type TrainedForest } from "../../lib/model/train.js";
import { peakRssMb, readMatrix } from "./train-matrix.js";

const { values } = parseArgs({
  options: {
    input: { type: "string" },
    output: { type: "string" },
    algorithm: { type: "string", default: "fast" },
    trees: { type: "string", default: "200" },
    "max-depth": { type: "string", default: "8" },
    "min-samples-leaf": { type: "string", default: "20" },
    "max-features": { type: "string" },
    rows: { type: "string" },
    repeat: { type: "string", default: "1" },
    threads: { type: "string" },
  },
});
if (!values.input || !values.output) throw new Error("--input and --output are required");

const matrix = await readMatrix(values.input);
const rows = values.rows ? Number(values.rows) : matrix.train.X.length;
const X = matrix.train.X.slice(-rows);
const y = matrix.train.y.slice(-rows);
const maxFeatures = values["max-features"];
const options: TrainOptionsInput = {
  algorithm: values.algorithm as TrainOptionsInput["algorithm"],
  nEstimators: Number(values.trees),
  maxDepth: Number(values["max-depth"]),
  minSamplesLeaf: Number(values["min-samples-leaf"]),
  ...(maxFeatures ? { maxFeatures: /^[a-z]+$/.test(maxFeatures) ? (maxFeatures as "sqrt") : Number(maxFeatures) } : {}),
  ...(values.threads ? { threads: Number(values.threads) } : {}),
  seed: 42,
};

const baselineMb = peakRssMb();
const seconds: number[] = [];
let trained: TrainedForest | undefined;
for (let run = 0; run < Number(values.repeat); run++) {
  // Training only, timed the way sklearn_rf.py times fit(): wall clock around the call.
  const started = performance.now();
  trained = await trainForest(X, y, options);
  seconds.push((performance.now() - started) / 1000);
}
if (!trained) throw new Error("--repeat must be at least 1");
const peakMb = peakRssMb();
await writeFile(values.output, JSON.stringify(trained.forest.predictUpProbability(matrix.holdout.X)));
console.log(
  JSON.stringify({
    algorithm: trained.stats.algorithm,
    rows,
    trees: trained.stats.trees,
    threads: trained.stats.threads,
    features_per_split: trained.stats.featuresPerSplit,
    seconds_cold: seconds[0],
    seconds_warm: seconds[1] ?? null,
    peak_mb: peakMb,
    baseline_mb: baselineMb,
    nodes: trained.stats.nodes,
    max_depth: trained.stats.maxDepth,
  }),
);
