import { syntheticClassification } from "../helpers/synthetic.js";
import { describe, expect, it } from "vitest";
import { rocAuc } from "../../lib/evaluation/metrics.js";
import { TrainingInputError } from "../../lib/model/errors.js";
import { isLeafJson } from "../../lib/model/forest-format.js";
import { forEachNode } from "../../lib/model/forest-stats.js";
import { loadMlrfClassifier } from "../../lib/model/mlrf.js";
import { resolveMaxFeatures, trainForest, trainOptionsSchema } from "../../lib/model/train.js";

/** y = 1 when x0 + 0.5 x1 x2 + noise > 0; x3.. are pure noise. */

const train = syntheticClassification(300, 6, 21);
const holdout = syntheticClassification(400, 6, 22);
const mlrfOptions = { algorithm: "ml-random-forest", nEstimators: 8, maxDepth: 5, minSamplesLeaf: 5, seed: 3 } as const;

describe("trainForest with ml-random-forest", () => {
  it("when trained with 1 or 2 threads, then the merged forest is byte-identical and has every tree", async () => {
    const one = await trainForest(train.X, train.y, { ...mlrfOptions, threads: 1 });
    const two = await trainForest(train.X, train.y, { ...mlrfOptions, threads: 2 });
    expect(JSON.stringify(two.model)).toBe(JSON.stringify(one.model));
    expect(one.model.baseModel.nEstimators).toBe(8);
    expect(one.model.baseModel.estimators).toHaveLength(8);
    expect(one.model.baseModel.indexes).toHaveLength(8);
    // Features drawn once per tree, without replacement: 0.5 of 6 -> 3 distinct columns per tree.
    for (const columns of one.model.baseModel.indexes) expect(new Set(columns).size).toBe(3);
    expect(new Set(one.model.baseModel.indexes.map((c) => c.join())).size).toBeGreaterThan(1);
  });

  it("when the library reloads the merged forest, then its votes are our predictor's", async () => {
    const { model, forest } = await trainForest(train.X, train.y, { ...mlrfOptions, threads: 2 });
    const library = loadMlrfClassifier(JSON.parse(JSON.stringify(model)));
    const votes = library.predictionValues(holdout.X);
    holdout.X.forEach((row, r) => {
      const ours = forest.treeVotes(row);
      for (let t = 0; t < forest.nTrees; t++) expect(votes.get(r, t)).toBe(ours[t]);
    });
  });

  it("when limits are set, then depth stays within maxDepth and small nodes are not split", async () => {
    const { model } = await trainForest(train.X, train.y, {
      ...mlrfOptions,
      maxDepth: 3,
      minSamplesLeaf: 1,
      minSamplesSplit: 40,
      threads: 1,
    });
    for (const tree of model.baseModel.estimators) {
      expect(tree.options.gainThreshold).toBe(0);
      expect(tree.options.minNumSamples).toBe(39);
      forEachNode(tree.root, (node, depth) => {
        expect(depth).toBeLessThanOrEqual(3);
        if (!isLeafJson(node)) expect(node.numberSamples).toBeGreaterThanOrEqual(40);
      });
    }
  });

  it("when both trainers learn the same problem, then their holdout AUCs are high and close", async () => {
    const options = { nEstimators: 16, maxDepth: 6, minSamplesLeaf: 3, seed: 9, threads: 2 };
    const fast = await trainForest(train.X, train.y, { ...options, algorithm: "fast" });
    const mlrf = await trainForest(train.X, train.y, { ...options, algorithm: "ml-random-forest" });
    const aucFast = rocAuc(holdout.y, fast.forest.predictUpProbability(holdout.X)) ?? 0;
    const aucMlrf = rocAuc(holdout.y, mlrf.forest.predictUpProbability(holdout.X)) ?? 0;
    expect(aucMlrf).toBeGreaterThan(0.8);
    expect(aucFast).toBeGreaterThan(0.8);
    expect(Math.abs(aucFast - aucMlrf)).toBeLessThan(0.06);
    expect(mlrf.featureImportance.indexOf(Math.max(...mlrf.featureImportance))).toBe(0);
    expect(mlrf.stats).toMatchObject({
      algorithm: "ml-random-forest",
      trees: 16,
      rows: 300,
      features: 6,
      featuresPerSplit: 3,
    });
  });
});

describe("trainForest options and inputs", () => {
  it("when no algorithm is given, then the fast trainer runs with scikit-learn-like defaults", () => {
    expect(trainOptionsSchema.parse({})).toMatchObject({
      algorithm: "fast",
      nEstimators: 200,
      maxDepth: 8,
      bootstrap: true,
      seed: 42,
    });
  });

  it("when progress is observed, then it counts up to the number of trees", async () => {
    const seen: number[] = [];
    await trainForest(
      train.X,
      train.y,
      { nEstimators: 5, threads: 1 },
      { onProgress: (done, total) => seen.push(done / total) },
    );
    expect(seen).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
  });

  it.each([
    ["sqrt", 23, 4],
    ["log2", 23, 4],
    ["all", 23, 23],
    [0.5, 23, 11],
    [0.01, 23, 1],
    [1, 23, 1],
    [7, 23, 7],
  ] as const)("when maxFeatures is %s of %i features, then %i are used", (maxFeatures, features, expected) => {
    expect(resolveMaxFeatures(maxFeatures, features)).toBe(expected);
  });

  it.each([
    [{ algorithm: "xgboost" }, /algorithm/],
    [{ nEstimators: 0 }, /nEstimators/],
    [{ maxFeatures: 1.5 }, /maxFeatures: expected a share in \(0, 1\) or an integer count/],
    [{ maxFeatures: 40 }, /maxFeatures 40 exceeds the 6 features/],
    [{ maxBins: 1000 }, /maxBins/],
  ])("when options are %j, then TrainingInputError explains", async (options, message) => {
    const attempt = trainForest(train.X, train.y, options as never);
    await expect(attempt).rejects.toThrow(TrainingInputError);
    await expect(trainForest(train.X, train.y, options as never)).rejects.toThrow(message);
  });

  it.each([
    ["a single row", [[1]], [1], /at least 2 training rows/],
    ["fewer labels than rows", [[1], [2]], [1], /2 feature rows but 1 labels/],
    ["ragged rows", [[1, 2], [3]], [0, 1], /row 1 has 1 features, row 0 has 2/],
    ["a NaN feature", [[1], [NaN]], [0, 1], /row 1, feature 0 is not a finite number/],
    ["an Infinity feature", [[Infinity], [1]], [0, 1], /row 0, feature 0 is not a finite number/],
    ["a label that is not 0/1", [[1], [2]], [0, 2], /labels must be 0 \(DOWN\) or 1 \(UP\)/],
    ["one class only", [[1], [2]], [1, 1], /all labels are 1: a classifier needs both classes/],
  ])("when the data has %s, then TrainingInputError explains", async (_name, X, y, message) => {
    await expect(trainForest(X, y, { nEstimators: 2, threads: 1 })).rejects.toThrow(TrainingInputError);
    await expect(trainForest(X, y, { nEstimators: 2, threads: 1 })).rejects.toThrow(message);
  });
});
