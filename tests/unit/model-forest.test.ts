import { describe, expect, it } from "vitest";
import { ModelFormatError } from "../../lib/model/errors.js";
import { Forest } from "../../lib/model/forest.js";
import type { TreeNodeJson } from "../../lib/model/forest-format.js";
import { loadMlrfClassifier } from "../../lib/model/mlrf.js";

const leaf = (p0: number, p1?: number): TreeNodeJson => ({ distribution: [p1 === undefined ? [p0] : [p0, p1]] });
const split = (splitColumn: number, splitValue: number, left: TreeNodeJson, right: TreeNodeJson): TreeNodeJson => ({
  splitColumn,
  splitValue,
  gain: 0.1,
  numberSamples: 10,
  left,
  right,
});

/** A forest in ml-random-forest's JSON format from (feature list, root) pairs. */
function forestJson(trees: { indexes: number[]; root: TreeNodeJson }[]) {
  return {
    name: "RFClassifier",
    baseModel: {
      indexes: trees.map((t) => t.indexes),
      n: 3,
      replacement: false,
      maxFeatures: 3,
      nEstimators: trees.length,
      treeOptions: {},
      isClassifier: true,
      seed: 1,
      estimators: trees.map((t) => ({
        name: "DTClassifier",
        options: {
          gainFunction: "gini",
          splitFunction: "mean",
          minNumSamples: 3,
          maxDepth: null,
          gainThreshold: 0,
          kind: "classifier",
        },
        root: t.root,
      })),
      useSampleBagging: true,
    },
  };
}

// Tree A: x0 < 0.5 -> UP else DOWN.
// Tree B reads columns [2, 0]: x2 < 10 -> (x0 < -1 -> DOWN (pure class 0, "[[1]]") else UP); else a tie -> DOWN.
// Tree C: a single UP leaf.
const handBuilt = forestJson([
  { indexes: [0, 1, 2], root: split(0, 0.5, leaf(0.2, 0.8), leaf(0.9, 0.1)) },
  { indexes: [2, 0], root: split(0, 10, split(1, -1, leaf(1), leaf(0, 1)), leaf(0.5, 0.5)) },
  { indexes: [1], root: leaf(0, 1) },
]);

describe("Forest (predictor over the ml-random-forest JSON format)", () => {
  const forest = Forest.fromJSON(handBuilt);
  const rows = [
    [0.4, 0, 5], // A up, B: 5 < 10, 0.4 >= -1 -> up; C up
    [0.5, 0, 5], // A: 0.5 < 0.5 is false -> down; B up; C up
    [-2, 0, 10], // A up; B: 10 < 10 false -> tie leaf -> down; C up
    [-2, 0, 9], // A up; B: -2 < -1 -> down ([[1]] leaf); C up
    [NaN, 0, NaN], // NaN never goes left: A down, B tie -> down; C up
  ];

  it("when rows follow hand-built trees, then each tree votes as its splits and leaves say", () => {
    expect(rows.map((row) => Array.from(forest.treeVotes(row)))).toEqual([
      [1, 1, 1],
      [0, 1, 1],
      [1, 0, 1],
      [1, 0, 1],
      [0, 0, 1],
    ]);
  });

  it("when asked for P(UP), then it is the share of trees voting UP", () => {
    expect(forest.predictUpProbability(rows)).toEqual([1, 2 / 3, 2 / 3, 2 / 3, 1 / 3]);
    expect(forest.nTrees).toBe(3);
    expect(forest.nFeatures).toBe(3);
  });

  it("when the library loads the same JSON, then its per-tree votes are ours", () => {
    const library = loadMlrfClassifier(JSON.parse(JSON.stringify(handBuilt)));
    const votes = library.predictionValues(rows);
    rows.forEach((row, r) => {
      expect(Array.from({ length: 3 }, (_, t) => votes.get(r, t))).toEqual(Array.from(forest.treeVotes(row)));
    });
  });

  it("when compared with the library's predictProbability, then ours is the vote share and the library's is off", () => {
    const library = loadMlrfClassifier(JSON.parse(JSON.stringify(handBuilt)));
    const votes = library.predictionValues(rows);
    const share = rows.map((_, r) => [0, 1, 2].filter((t) => votes.get(r, t) === 1).length / 3);
    expect(forest.predictUpProbability(rows)).toEqual(share);
    // Row 0: all three trees vote UP, yet the library reports 2/3 (its reduce starts from the first vote).
    expect(library.predictProbability([rows[0]!], 1)[0]).toBeCloseTo(2 / 3, 5);
  });

  it("when a row is shorter than the columns the forest reads, then it throws instead of reading undefined", () => {
    expect(() => forest.predictUpProbability([[1, 2]])).toThrow(/row 0 has 2 features; the forest needs 3/);
  });

  it("when the row width is declared, then a forest reading beyond it is rejected", () => {
    expect(() => Forest.fromJSON(handBuilt, 2)).toThrow(ModelFormatError);
    expect(Forest.fromJSON(handBuilt, 5).nFeatures).toBe(5);
  });

  describe("when the JSON is not a usable forest, then ModelFormatError names the place", () => {
    const cases: [string, unknown, RegExp][] = [
      ["not an object", "forest", /not an ml-random-forest classifier/],
      ["a regression forest", { ...handBuilt, name: "RFRegression" }, /name/],
      ["no trees", forestJson([]), /baseModel\.(nEstimators|estimators)/],
      [
        "nEstimators disagrees",
        { ...handBuilt, baseModel: { ...handBuilt.baseModel, nEstimators: 2 } },
        /nEstimators 2, 3 trees/,
      ],
      [
        "a split column outside the tree's feature list",
        forestJson([{ indexes: [0], root: split(1, 0, leaf(1), leaf(1)) }]),
        /estimators\.0\.root\.splitColumn/,
      ],
      [
        "a split without a right child",
        forestJson([
          { indexes: [0], root: { splitColumn: 0, splitValue: 1, gain: 0, left: leaf(1) } as unknown as TreeNodeJson },
        ]),
        /estimators\.0\.root\.right: expected a tree node object/,
      ],
      [
        "a three-class leaf",
        forestJson([{ indexes: [0], root: { distribution: [[0.2, 0.3, 0.5]] } }]),
        /binary classifier/,
      ],
      [
        "a non-numeric threshold",
        forestJson([
          { indexes: [0], root: { ...split(0, 0, leaf(1), leaf(1)), splitValue: null } as unknown as TreeNodeJson },
        ]),
        /splitValue: expected a number/,
      ],
    ];
    it.each(cases)("%s", (_name, json, message) => {
      expect(() => Forest.fromJSON(json)).toThrow(ModelFormatError);
      expect(() => Forest.fromJSON(json)).toThrow(message);
    });
  });
});
