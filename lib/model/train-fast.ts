import { binMatrix, type BinnedMatrix } from "./bins.js";
import { TreeGrower, type GrownTree, type TreeLimits } from "./fast-tree.js";
import type { ForestJson, TreeJson, TreeNodeJson } from "./forest-format.js";
import { runInWorkers, type WorkerTask } from "./worker-pool.js";

/**
 * The fast trainer (histogram split search, see fast-tree.ts), emitting ml-random-forest's JSON format
 * so `RandomForestClassifier.load()` and our Forest predict identically from the same file.
 *
 * What the format cannot say: ml-random-forest draws one feature subset per tree and records it in
 * `baseModel.indexes`; this trainer draws a subset at every split (as scikit-learn does), which a single
 * per-tree list cannot express. Every tree therefore lists all features (identity `indexes`, `n` = all,
 * `maxFeatures` = all) and each split names its column directly; prediction is unaffected.
 */
export interface FastTrainParams extends TreeLimits {
  nEstimators: number;
  /** Bins per feature (2..256). */
  maxBins: number;
  seed: number;
  threads: number;
  onProgress?: (treesDone: number, trees: number) => void;
}

/** What a worker needs to grow trees `from` .. `to - 1`. */
export interface FastTreeTask {
  rows: number;
  features: number;
  codes: Uint8Array;
  labels: Uint8Array;
  seed: number;
  limits: TreeLimits;
  from: number;
  to: number;
}

/** Trees per worker task: small enough to balance two threads, large enough to amortise messages. */
const TREES_PER_TASK = 10;

export async function trainFast(
  X: readonly (readonly number[])[],
  y: readonly number[],
  params: FastTrainParams,
): Promise<ForestJson> {
  const rows = X.length;
  const features = X[0]?.length ?? 0;
  const useWorkers = params.threads > 1 && params.nEstimators > 1;
  // Shared memory when workers read it, so no copy per task.
  const codes = new Uint8Array(useWorkers ? new SharedArrayBuffer(rows * features) : new ArrayBuffer(rows * features));
  const labels = new Uint8Array(useWorkers ? new SharedArrayBuffer(rows) : new ArrayBuffer(rows));
  for (let i = 0; i < rows; i++) labels[i] = y[i]!;
  const binned = binMatrix(X, params.maxBins, codes);
  const limits: TreeLimits = {
    maxDepth: params.maxDepth,
    minSamplesSplit: params.minSamplesSplit,
    minSamplesLeaf: params.minSamplesLeaf,
    maxFeatures: params.maxFeatures,
    bootstrap: params.bootstrap,
    classWeights: params.classWeights,
  };

  let trees: GrownTree[];
  if (useWorkers) {
    const tasks: WorkerTask<FastTreeTask>[] = [];
    for (let from = 0; from < params.nEstimators; from += TREES_PER_TASK) {
      const to = Math.min(params.nEstimators, from + TREES_PER_TASK);
      tasks.push({ payload: { rows, features, codes, labels, seed: params.seed, limits, from, to } });
    }
    let done = 0;
    const chunks = await runInWorkers<GrownTree[]>("train-fast.worker", tasks, params.threads, (index) => {
      const task = tasks[index]!.payload;
      done += task.to - task.from;
      params.onProgress?.(done, params.nEstimators);
    });
    trees = chunks.flat();
  } else {
    const grower = new TreeGrower({ rows, features, codes, labels });
    trees = [];
    for (let t = 0; t < params.nEstimators; t++) {
      trees.push(grower.grow(params.seed, t, limits));
      params.onProgress?.(t + 1, params.nEstimators);
    }
  }
  return toForestJson(trees, binned, params);
}

/** Worker side of trainFast: grows the task's trees and hands back compact arrays (transferred, not copied). */
export function growTreesTask(task: FastTreeTask): { result: GrownTree[]; transfer: ArrayBuffer[] } {
  const grower = new TreeGrower(task);
  const result: GrownTree[] = [];
  const transfer: ArrayBuffer[] = [];
  for (let t = task.from; t < task.to; t++) {
    const tree = compact(grower.grow(task.seed, t, task.limits));
    result.push(tree);
    for (const array of [
      tree.feature,
      tree.bin,
      tree.left,
      tree.right,
      tree.weight0,
      tree.weight1,
      tree.gain,
      tree.depth,
      tree.samples,
    ]) {
      transfer.push(array.buffer as ArrayBuffer);
    }
  }
  return { result, transfer };
}

function compact(tree: GrownTree): GrownTree {
  const n = tree.nodes;
  return {
    nodes: n,
    feature: tree.feature.slice(0, n),
    bin: tree.bin.slice(0, n),
    left: tree.left.slice(0, n),
    right: tree.right.slice(0, n),
    weight0: tree.weight0.slice(0, n),
    weight1: tree.weight1.slice(0, n),
    gain: tree.gain.slice(0, n),
    depth: tree.depth.slice(0, n),
    samples: tree.samples.slice(0, n),
  };
}

function toForestJson(trees: GrownTree[], binned: BinnedMatrix, params: FastTrainParams): ForestJson {
  const features = binned.features;
  const options = {
    gainFunction: "gini" as const,
    splitFunction: "mean" as const,
    // ml-cart's "leaf when rows <= minNumSamples", the nearest equivalent of min_samples_split.
    minNumSamples: Math.max(params.minSamplesSplit, 2 * params.minSamplesLeaf) - 1,
    maxDepth: Number.isFinite(params.maxDepth) ? params.maxDepth : null,
    gainThreshold: 0,
    kind: "classifier" as const,
  };
  const identity = Array.from({ length: features }, (_, f) => f);
  const estimators: TreeJson[] = trees.map((tree) => ({
    options: { ...options },
    root: treeRoot(tree, binned),
    name: "DTClassifier",
  }));
  return {
    baseModel: {
      indexes: trees.map(() => identity.slice()),
      n: features,
      replacement: false,
      maxFeatures: features,
      nEstimators: trees.length,
      treeOptions: { ...options },
      isClassifier: true,
      seed: params.seed,
      estimators,
      useSampleBagging: params.bootstrap,
    },
    name: "RFClassifier",
  };
}

/** Nested ml-cart nodes, built bottom-up without recursion (children always have larger ids). */
function treeRoot(tree: GrownTree, binned: BinnedMatrix): TreeNodeJson {
  const nodes = new Array<TreeNodeJson>(tree.nodes);
  for (let id = tree.nodes - 1; id >= 0; id--) {
    const w0 = tree.weight0[id]!;
    const w1 = tree.weight1[id]!;
    const weight = w0 + w1;
    const feature = tree.feature[id]!;
    if (feature < 0) {
      nodes[id] = { distribution: [[w0 / weight, w1 / weight]], numberSamples: weight };
    } else {
      nodes[id] = {
        splitColumn: feature,
        splitValue: binned.thresholds[feature]![tree.bin[id]!]!,
        gain: tree.gain[id]!,
        numberSamples: weight,
        left: nodes[tree.left[id]!]!,
        right: nodes[tree.right[id]!]!,
      };
    }
  }
  return nodes[0]!;
}
