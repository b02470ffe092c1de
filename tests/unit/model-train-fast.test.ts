import { syntheticClassification } from "../helpers/synthetic.js";
import { describe, expect, it } from "vitest";
import { rocAuc } from "../../lib/evaluation/metrics.js";
import { binMatrix } from "../../lib/model/bins.js";
import { TreeGrower, type GrownTree } from "../../lib/model/fast-tree.js";
import { isLeafJson, type ForestJson } from "../../lib/model/forest-format.js";
import { forEachNode, forestShape } from "../../lib/model/forest-stats.js";
import { loadMlrfClassifier } from "../../lib/model/mlrf.js";
import { createRng } from "../../lib/model/random.js";
import { growTreesTask, type FastTreeTask } from "../../lib/model/train-fast.js";
import { classWeights, trainForest } from "../../lib/model/train.js";
import { runInWorkers } from "../../lib/model/worker-pool.js";

/** y = 1 when x0 + 0.5 x1 x2 + noise > 0; x3.. are pure noise. A forest must reach a high AUC. */

const train = syntheticClassification(600, 6, 1);
const holdout = syntheticClassification(400, 6, 2);
const small = { nEstimators: 24, maxDepth: 6, minSamplesLeaf: 5, seed: 7 };

describe("binMatrix (quantile bins)", () => {
  it("when a feature has few distinct values, then each value gets its own bin and code <= k iff x < threshold[k]", () => {
    const X = [[3], [1], [2], [2], [1], [3], [5]];
    const { codes, thresholds } = binMatrix(X, 16);
    expect(Array.from(thresholds[0]!)).toEqual([1.5, 2.5, 4]);
    expect(Array.from(codes)).toEqual([2, 0, 1, 1, 0, 2, 3]);
    X.forEach(([x], i) => {
      thresholds[0]!.forEach((t, k) => expect(codes[i]! <= k).toBe(x! < t));
    });
  });

  it("when a feature has many distinct values, then it gets at most maxBins roughly equal-frequency bins", () => {
    const rng = createRng(3);
    const X = Array.from({ length: 5000 }, () => [rng.next() ** 3]);
    const { codes, thresholds } = binMatrix(X, 32);
    expect(thresholds[0]!.length).toBe(31);
    const counts = new Array<number>(32).fill(0);
    for (const code of codes) counts[code]!++;
    for (const count of counts) expect(count).toBeGreaterThan(5000 / 32 / 2);
    X.forEach(([x], i) => expect(codes[i]! <= 10).toBe(x! < thresholds[0]![10]!));
  });
});

describe("fast trainer", () => {
  it("when trained with 1, 2 or 3 threads, then the forest JSON is byte-identical", async () => {
    const texts = await Promise.all(
      [1, 2, 3].map(async (threads) =>
        JSON.stringify((await trainForest(train.X, train.y, { ...small, threads })).model),
      ),
    );
    expect(texts[1]).toBe(texts[0]);
    expect(texts[2]).toBe(texts[0]);
    const otherSeed = JSON.stringify((await trainForest(train.X, train.y, { ...small, seed: 8, threads: 1 })).model);
    expect(otherSeed).not.toBe(texts[0]);
  });

  it("when RandomForestClassifier.load() reads our forest, then it votes as our predictor on every row and tree", async () => {
    const { model, forest } = await trainForest(train.X, train.y, { ...small, threads: 2 });
    // Rows sitting exactly on split thresholds test the "<" edge as well.
    const edgeRows: number[][] = [];
    forEachNode(model.baseModel.estimators[0]!.root, (node) => {
      if (!isLeafJson(node)) edgeRows.push(train.X[0]!.map((v, f) => (f === node.splitColumn ? node.splitValue : v)));
    });
    const rows = [...train.X, ...holdout.X, ...edgeRows];
    const library = loadMlrfClassifier(JSON.parse(JSON.stringify(model)));
    const votes = library.predictionValues(rows);
    const p = forest.predictUpProbability(rows);
    let mismatches = 0;
    rows.forEach((row, r) => {
      const ours = forest.treeVotes(row);
      let up = 0;
      for (let t = 0; t < forest.nTrees; t++) {
        if (votes.get(r, t) !== ours[t]) mismatches++;
        up += votes.get(r, t);
      }
      expect(p[r]).toBe(up / forest.nTrees);
    });
    expect(mismatches).toBe(0);
    expect(library.predict(rows)).toHaveLength(rows.length);
  });

  describe("class weights", () => {
    // 80 % UP and no signal at all: what a weak daily-direction forest faces, exaggerated.
    const rng = createRng(99);
    const noise = Array.from({ length: 800 }, () => Array.from({ length: 5 }, () => rng.next()));
    const mostlyUp = noise.map(() => (rng.next() < 0.8 ? 1 : 0));
    const opts = { nEstimators: 40, maxDepth: 6, minSamplesLeaf: 10, seed: 3, threads: 1 };
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

    it("when classes are imbalanced and unweighted, then the trees vote for the majority; balanced, the vote share centres on 0.5", async () => {
      const plain = await trainForest(noise, mostlyUp, opts);
      const balanced = await trainForest(noise, mostlyUp, { ...opts, classWeight: "balanced" });
      const plainShare = mean(plain.forest.predictUpProbability(noise));
      const balancedShare = mean(balanced.forest.predictUpProbability(noise));
      expect(plainShare).toBeGreaterThan(0.9);
      expect(balancedShare).toBeGreaterThan(0.3);
      expect(balancedShare).toBeLessThan(0.7);
    });

    it("when balanced, then each class weighs half the rows at the root (rows / (2 x class rows) per row)", () => {
      const weights = classWeights("balanced", mostlyUp);
      const ups = mostlyUp.filter((label) => label === 1).length;
      expect(weights).toEqual([800 / (2 * (800 - ups)), 800 / (2 * ups)]);
      expect(classWeights("none", mostlyUp)).toEqual([1, 1]);
      const { codes } = binMatrix(noise, 64);
      const grower = new TreeGrower({ rows: noise.length, features: 5, codes, labels: Uint8Array.from(mostlyUp) });
      const limits = { maxDepth: 1, minSamplesLeaf: 1, minSamplesSplit: 2, maxFeatures: 5, bootstrap: false };
      const tree = grower.grow(1, 0, { ...limits, classWeights: weights });
      expect(tree.weight0[0]).toBeCloseTo(400, 9);
      expect(tree.weight1[0]).toBeCloseTo(400, 9);
    });

    it("when balanced, then RandomForestClassifier.load() still votes exactly as our predictor", async () => {
      const { model, forest } = await trainForest(noise, mostlyUp, { ...opts, classWeight: "balanced" });
      const library = loadMlrfClassifier(JSON.parse(JSON.stringify(model)));
      const votes = library.predictionValues(noise);
      let mismatches = 0;
      noise.forEach((row, r) => {
        forest.treeVotes(row).forEach((vote, t) => (mismatches += votes.get(r, t) === vote ? 0 : 1));
      });
      expect(mismatches).toBe(0);
    });

    it("when balanced weights are asked of ml-random-forest, then training is refused with a clear message", async () => {
      await expect(
        trainForest(noise, mostlyUp, { ...opts, algorithm: "ml-random-forest", classWeight: "balanced" }),
      ).rejects.toThrow(/needs the fast trainer/);
    });
  });

  it("when trained on a learnable problem, then the holdout AUC is high and the informative feature matters most", async () => {
    const { forest, featureImportance } = await trainForest(train.X, train.y, { ...small, threads: 1 });
    expect(rocAuc(holdout.y, forest.predictUpProbability(holdout.X))).toBeGreaterThan(0.85);
    expect(featureImportance.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(featureImportance.indexOf(Math.max(...featureImportance))).toBe(0);
  });

  it("when limits are set, then no leaf is deeper than maxDepth and none holds fewer than minSamplesLeaf rows", async () => {
    const { model } = await trainForest(train.X, train.y, {
      nEstimators: 10,
      maxDepth: 4,
      minSamplesLeaf: 25,
      minSamplesSplit: 60,
      bootstrap: false,
      threads: 1,
    });
    expect(forestShape(model).maxDepth).toBe(4);
    for (const tree of model.baseModel.estimators) {
      forEachNode(tree.root, (node) => {
        // Without bootstrap every row weighs 1, so numberSamples is the row count.
        if (isLeafJson(node)) expect(node.numberSamples).toBeGreaterThanOrEqual(25);
        else expect(node.numberSamples).toBeGreaterThanOrEqual(60);
      });
    }
  });

  it("when bootstrapping, then leaf sizes count distinct rows and each tree's data is a different resample", () => {
    const { X, y } = train;
    const { codes } = binMatrix(X, 64);
    const grower = new TreeGrower({ rows: X.length, features: 6, codes, labels: Uint8Array.from(y) });
    const limits = {
      maxDepth: 12,
      minSamplesLeaf: 7,
      minSamplesSplit: 2,
      maxFeatures: 2,
      bootstrap: true,
      classWeights: [1, 1] as const,
    };
    const trees: GrownTree[] = [0, 1].map((t) => grower.grow(11, t, limits));
    for (const tree of trees) {
      const rootWeight = tree.weight0[0]! + tree.weight1[0]!;
      expect(rootWeight).toBe(X.length); // n draws with replacement
      expect(tree.samples[0]).toBeLessThan(X.length * 0.7); // ~63 % distinct
      for (let id = 0; id < tree.nodes; id++) {
        if (tree.feature[id]! < 0) expect(tree.samples[id]).toBeGreaterThanOrEqual(7);
        expect(tree.depth[id]).toBeLessThanOrEqual(12);
      }
    }
    expect(trees[0]!.samples[0]).not.toBe(trees[1]!.samples[0]);
  });

  it("when maxFeatures is 'all', then every root splits on the dominant feature; with 1, roots use many features", async () => {
    const roots = (json: ForestJson): number[] =>
      json.baseModel.estimators.map((tree) => (isLeafJson(tree.root) ? -1 : tree.root.splitColumn));
    const all = await trainForest(train.X, train.y, { ...small, maxFeatures: "all", threads: 1 });
    expect(new Set(roots(all.model))).toEqual(new Set([0]));
    const one = await trainForest(train.X, train.y, { ...small, maxFeatures: 1, threads: 1 });
    expect(new Set(roots(one.model)).size).toBeGreaterThanOrEqual(4);
    expect(one.stats.featuresPerSplit).toBe(1);
    expect(all.stats.featuresPerSplit).toBe(6);
  });

  it("when trees are grown in worker threads, then they equal the trees grown in this thread", async () => {
    const { codes } = binMatrix(train.X, 256);
    const limits = {
      maxDepth: 5,
      minSamplesLeaf: 3,
      minSamplesSplit: 2,
      maxFeatures: 2,
      bootstrap: true,
      classWeights: [1, 1] as const,
    };
    const task = (from: number, to: number): FastTreeTask => ({
      rows: train.X.length,
      features: 6,
      codes,
      labels: Uint8Array.from(train.y),
      seed: 5,
      limits,
      from,
      to,
    });
    const inWorkers = await runInWorkers<GrownTree[]>(
      "train-fast.worker",
      [{ payload: task(0, 3) }, { payload: task(3, 6) }],
      2,
    );
    expect(inWorkers.flat()).toEqual(growTreesTask(task(0, 6)).result);
  });

  it("when a worker task fails, then the error comes back and the workers keep serving", async () => {
    const broken = {
      rows: -1,
      features: 1,
      codes: new Uint8Array(0),
      labels: new Uint8Array(0),
      seed: 1,
      limits: {},
      from: 0,
      to: 1,
    };
    await expect(runInWorkers("train-fast.worker", [{ payload: broken }], 1)).rejects.toThrow(
      /Invalid typed array length/,
    );
    const again = await trainForest(train.X, train.y, { ...small, nEstimators: 4, threads: 2 });
    expect(again.stats.trees).toBe(4);
  });
});
