import { createRng, deriveSeed } from "./random.js";

/**
 * One CART classification tree grown on binned features, as scikit-learn's RandomForestClassifier
 * grows each of its trees: bootstrap rows (drawn counts become row weights), a fresh random feature
 * subset at every split (features constant in the node do not count toward it), Gini impurity, the
 * best threshold among the bin edges, and the limits max_depth, min_samples_split, min_samples_leaf
 * (counted in distinct rows, as scikit-learn does). Split search builds per-bin class histograms:
 * O(rows in node x features tried) per node instead of re-scanning rows per candidate threshold.
 */
export interface TreeData {
  rows: number;
  features: number;
  /** Bin codes, feature-major: `codes[f * rows + i]` (see bins.ts). */
  codes: Uint8Array;
  /** Labels 0 (DOWN) / 1 (UP). */
  labels: Uint8Array;
}

export interface TreeLimits {
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Features tried per split (>= 1). */
  maxFeatures: number;
  bootstrap: boolean;
  /** Weight of a row of class 0 (DOWN) and of class 1 (UP), applied on top of its bootstrap count. */
  classWeights: readonly [number, number];
}

/**
 * A grown tree; node 0 is the root. `feature` is -1 for a leaf; a split sends rows with
 * `code <= bin` to `left`. `weight0/1` are the weighted (bootstrap count x class weight) class totals of the node.
 */
export interface GrownTree {
  nodes: number;
  feature: Int32Array;
  bin: Int32Array;
  left: Int32Array;
  right: Int32Array;
  weight0: Float64Array;
  weight1: Float64Array;
  /** Gini decrease per unit of weight: gini(node) - weighted gini(children); 0 for leaves. */
  gain: Float64Array;
  depth: Int32Array;
  /** Distinct training rows in the node. */
  samples: Int32Array;
}

const gini = (w0: number, w1: number): number => {
  const w = w0 + w1;
  return w > 0 ? 1 - (w0 * w0 + w1 * w1) / (w * w) : 0;
};

/** Reusable scratch memory for growing trees on one dataset (one per thread). */
export class TreeGrower {
  private readonly data: TreeData;
  private readonly weights: Float64Array;
  private readonly order: Int32Array;
  private readonly featureOrder: Int32Array;
  private readonly hist0 = new Float64Array(256);
  private readonly hist1 = new Float64Array(256);
  private readonly histN = new Int32Array(256);

  constructor(data: TreeData) {
    this.data = data;
    this.weights = new Float64Array(data.rows);
    this.order = new Int32Array(data.rows);
    this.featureOrder = new Int32Array(data.features);
  }

  /** Grows tree number `index` of a forest seeded with `seed`: the same tree on any thread. */
  grow(seed: number, index: number, limits: TreeLimits): GrownTree {
    const { rows, features, codes, labels } = this.data;
    const { weights, order, featureOrder, hist0, hist1, histN } = this;
    const rng = createRng(deriveSeed(seed, index));
    const mtry = Math.max(1, Math.min(features, limits.maxFeatures));
    const minLeaf = Math.max(1, limits.minSamplesLeaf);
    const minSplit = Math.max(2, limits.minSamplesSplit, 2 * minLeaf);

    weights.fill(0);
    if (limits.bootstrap) {
      for (let i = 0; i < rows; i++) weights[rng.int(rows)]! += 1;
    } else {
      weights.fill(1);
    }
    const [classWeight0, classWeight1] = limits.classWeights;
    let inBag = 0;
    let rootW0 = 0;
    let rootW1 = 0;
    for (let i = 0; i < rows; i++) {
      if (weights[i]! > 0) {
        order[inBag++] = i;
        if (labels[i] === 1) rootW1 += weights[i]! *= classWeight1;
        else rootW0 += weights[i]! *= classWeight0;
      }
    }

    const capacity = Math.max(1, Math.min(2 * inBag - 1, 2 ** Math.min(limits.maxDepth + 1, 30) - 1));
    const tree: GrownTree = {
      nodes: 0,
      feature: new Int32Array(capacity),
      bin: new Int32Array(capacity),
      left: new Int32Array(capacity),
      right: new Int32Array(capacity),
      weight0: new Float64Array(capacity),
      weight1: new Float64Array(capacity),
      gain: new Float64Array(capacity),
      depth: new Int32Array(capacity),
      samples: new Int32Array(capacity),
    };
    const newNode = (w0: number, w1: number, count: number, depth: number): number => {
      const id = tree.nodes++;
      tree.feature[id] = -1;
      tree.weight0[id] = w0;
      tree.weight1[id] = w1;
      tree.samples[id] = count;
      tree.depth[id] = depth;
      return id;
    };

    // Depth-first; each pending node owns the slice [start, end) of `order`.
    const stackNode: number[] = [newNode(rootW0, rootW1, inBag, 0)];
    const stackStart: number[] = [0];
    const stackEnd: number[] = [inBag];
    for (let f = 0; f < features; f++) featureOrder[f] = f;

    while (stackNode.length > 0) {
      const id = stackNode.pop()!;
      const start = stackStart.pop()!;
      const end = stackEnd.pop()!;
      const count = end - start;
      const w0 = tree.weight0[id]!;
      const w1 = tree.weight1[id]!;
      const w = w0 + w1;
      const impurity = gini(w0, w1);
      if (tree.depth[id]! >= limits.maxDepth || count < minSplit || impurity <= 1e-12) continue;

      // Best split: maximise sum over children of (w0^2 + w1^2) / w, i.e. minimise weighted child Gini.
      let bestScore = -Infinity;
      let bestFeature = -1;
      let bestBin = -1;
      let bestL0 = 0;
      let bestL1 = 0;
      let bestLN = 0;
      let visited = 0;
      for (let drawn = 0; drawn < features && visited < mtry; drawn++) {
        // Partial Fisher-Yates over the feature list: a fresh random subset for every split.
        const j = drawn + rng.int(features - drawn);
        const f = featureOrder[j]!;
        featureOrder[j] = featureOrder[drawn]!;
        featureOrder[drawn] = f;

        const base = f * rows;
        let lo = 255;
        let hi = 0;
        for (let k = start; k < end; k++) {
          const i = order[k]!;
          const b = codes[base + i]!;
          const wi = weights[i]!;
          if (labels[i] === 1) hist1[b]! += wi;
          else hist0[b]! += wi;
          histN[b]!++;
          if (b < lo) lo = b;
          if (b > hi) hi = b;
        }
        if (lo === hi) {
          hist0[lo] = 0;
          hist1[lo] = 0;
          histN[lo] = 0;
          continue; // constant in this node: does not count toward maxFeatures
        }
        visited++;
        let l0 = 0;
        let l1 = 0;
        let ln = 0;
        for (let b = lo; b < hi; b++) {
          l0 += hist0[b]!;
          l1 += hist1[b]!;
          ln += histN[b]!;
          if (histN[b] === 0) continue; // same partition as the previous bin
          const rn = count - ln;
          if (ln < minLeaf || rn < minLeaf) continue;
          const lw = l0 + l1;
          const r0 = w0 - l0;
          const r1 = w1 - l1;
          const score = (l0 * l0 + l1 * l1) / lw + (r0 * r0 + r1 * r1) / (w - lw);
          if (score > bestScore) {
            bestScore = score;
            bestFeature = f;
            bestBin = b;
            bestL0 = l0;
            bestL1 = l1;
            bestLN = ln;
          }
        }
        hist0.fill(0, lo, hi + 1);
        hist1.fill(0, lo, hi + 1);
        histN.fill(0, lo, hi + 1);
      }
      if (bestFeature < 0) continue;

      // Partition [start, end) so rows going left come first; note the lowest bin going right.
      const base = bestFeature * rows;
      let a = start;
      let z = end - 1;
      let rightLow = 255;
      while (a <= z) {
        const b = codes[base + order[a]!]!;
        if (b <= bestBin) a++;
        else {
          if (b < rightLow) rightLow = b;
          const tmp = order[a]!;
          order[a] = order[z]!;
          order[z] = tmp;
          z--;
        }
      }
      const depth = tree.depth[id]! + 1;
      const leftW = bestL0 + bestL1;
      tree.feature[id] = bestFeature;
      // Bins bestBin..rightLow-1 hold no row of this node, so any of them splits the node the same way;
      // the middle one puts the threshold midway through the gap (scikit-learn takes the value midpoint).
      tree.bin[id] = (bestBin + rightLow - 1) >> 1;
      tree.gain[id] =
        impurity - (leftW / w) * gini(bestL0, bestL1) - ((w - leftW) / w) * gini(w0 - bestL0, w1 - bestL1);
      const leftId = newNode(bestL0, bestL1, bestLN, depth);
      tree.left[id] = leftId;
      const rightId = newNode(w0 - bestL0, w1 - bestL1, count - bestLN, depth);
      tree.right[id] = rightId;
      // Right pushed first so the left subtree is grown (and numbered) first.
      stackNode.push(rightId, leftId);
      stackStart.push(start + bestLN, start);
      stackEnd.push(end, start + bestLN);
    }
    return tree;
  }
}
