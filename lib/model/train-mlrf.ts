import type { ForestJson, TreeJson } from "./forest-format.js";
import { createMlrfClassifier, type MlrfTreeOptions } from "./mlrf.js";
import { deriveSeed } from "./random.js";
import { runInWorkers, type WorkerTask } from "./worker-pool.js";

/**
 * Training through ml-random-forest 2.1.0 (the reference trainer; O(rows^2) per node, so slow on the
 * full history). Each tree is a one-tree sub-forest seeded from (seed, tree index), trained in worker
 * threads and merged (estimators and indexes concatenated, nEstimators summed): the forest is the same
 * for any thread count. Features are drawn once per tree without replacement (the library's design).
 */
export interface MlrfTrainParams {
  nEstimators: number;
  /** Features per tree (>= 1). */
  maxFeatures: number;
  maxDepth: number;
  /** A node with <= minNumSamples rows becomes a leaf (the library has no minimum leaf size). */
  minNumSamples: number;
  seed: number;
  threads: number;
  onProgress?: (treesDone: number, trees: number) => void;
}

/** What a worker needs to train trees `from` .. `to - 1`. */
export interface MlrfTreeTask {
  rows: number;
  features: number;
  /** Row-major features. */
  X: Float64Array;
  y: Uint8Array;
  params: Omit<MlrfTrainParams, "threads" | "onProgress">;
  from: number;
  to: number;
}

export async function trainMlrf(
  X: readonly (readonly number[])[],
  y: readonly number[],
  params: MlrfTrainParams,
): Promise<ForestJson> {
  const rows = X.length;
  const features = X[0]?.length ?? 0;
  const { threads, onProgress, ...treeParams } = params;
  const useWorkers = threads > 1 && params.nEstimators > 1;
  const flatX = new Float64Array(
    useWorkers ? new SharedArrayBuffer(rows * features * 8) : new ArrayBuffer(rows * features * 8),
  );
  const flatY = new Uint8Array(useWorkers ? new SharedArrayBuffer(rows) : new ArrayBuffer(rows));
  for (let i = 0; i < rows; i++) {
    flatX.set(X[i]!, i * features);
    flatY[i] = y[i]!;
  }
  // One tree per task: trees take seconds each, so balance matters more than message count.
  const tasks: WorkerTask<MlrfTreeTask>[] = Array.from({ length: params.nEstimators }, (_, t) => ({
    payload: { rows, features, X: flatX, y: flatY, params: treeParams, from: t, to: t + 1 },
  }));
  let trees: ForestJson[];
  if (useWorkers) {
    let done = 0;
    const parts = await runInWorkers<string[]>("train-mlrf.worker", tasks, threads, () =>
      onProgress?.(++done, params.nEstimators),
    );
    trees = parts.flat().map((text) => JSON.parse(text) as ForestJson);
  } else {
    trees = [];
    for (const task of tasks) {
      trees.push(...trainMlrfTask(task.payload).result.map((text) => JSON.parse(text) as ForestJson));
      onProgress?.(trees.length, params.nEstimators);
    }
  }
  return merge(trees, params.seed);
}

/** Worker side of trainMlrf: one single-tree forest (as JSON text) per tree index. */
export function trainMlrfTask(task: MlrfTreeTask): { result: string[] } {
  const { rows, features, params } = task;
  const X: number[][] = [];
  for (let i = 0; i < rows; i++) X.push(Array.from(task.X.subarray(i * features, (i + 1) * features)));
  const y = Array.from(task.y);
  const treeOptions: MlrfTreeOptions = {
    gainFunction: "gini",
    splitFunction: "mean",
    minNumSamples: params.minNumSamples,
    maxDepth: params.maxDepth,
    gainThreshold: 0,
  };
  const result: string[] = [];
  for (let t = task.from; t < task.to; t++) {
    const rf = createMlrfClassifier({
      nEstimators: 1,
      maxFeatures: libraryMaxFeatures(params.maxFeatures, features),
      replacement: false,
      seed: deriveSeed(params.seed, t),
      useSampleBagging: true,
      noOOB: true,
      treeOptions,
    });
    rf.train(X, y);
    result.push(JSON.stringify(rf));
  }
  return { result };
}

/** The library reads numbers in (0, 1] as shares, so a count of 1 (or all) must be given as a share. */
function libraryMaxFeatures(count: number, features: number): number {
  if (count >= features) return 1;
  if (count <= 1) return 1.5 / features; // floor(features * share) = 1
  return count;
}

function merge(parts: ForestJson[], seed: number): ForestJson {
  const first = parts[0];
  if (!first) throw new Error("no trees were trained");
  const estimators: TreeJson[] = parts.flatMap((part) => part.baseModel.estimators);
  return {
    ...first,
    baseModel: {
      ...first.baseModel,
      seed,
      nEstimators: estimators.length,
      indexes: parts.flatMap((part) => part.baseModel.indexes),
      estimators,
    },
  };
}
