import { z } from "zod";

/**
 * The JSON format of an ml-random-forest 2.1.0 `RandomForestClassifier` (`toJSON()` / static `load()`),
 * which is the on-disk format of every forest in the lab whichever trainer grew it.
 *
 * A tree node is a leaf when it has `distribution` (class shares, one row: `[[p0]]` or `[[p0, p1]]`),
 * else a split: rows with `x[indexes[tree][splitColumn]] < splitValue` go left, all others (NaN too) go right.
 * A tree votes for the class with the largest share, the first one on a tie (ml-matrix `maxRowIndex`).
 */
export interface LeafNodeJson {
  distribution: number[][];
  /** Weighted number of training rows in the node (bootstrap draws included). */
  numberSamples?: number;
}

export interface SplitNodeJson {
  splitColumn: number;
  splitValue: number;
  /** Gini impurity decrease per row of the node: gini(node) - weighted gini(children). */
  gain: number | null;
  /** Weighted number of training rows in the node (bootstrap draws included). */
  numberSamples?: number;
  left: TreeNodeJson;
  right: TreeNodeJson;
}

export type TreeNodeJson = LeafNodeJson | SplitNodeJson;

export const isLeafJson = (node: TreeNodeJson): node is LeafNodeJson => "distribution" in node;

/** Options every tree carries; ml-cart reads them on load (`maxDepth: Infinity` serialises as null). */
const treeOptionsSchema = z.looseObject({
  gainFunction: z.literal("gini"),
  splitFunction: z.literal("mean"),
  minNumSamples: z.number(),
  maxDepth: z.number().nullable(),
  gainThreshold: z.number(),
  kind: z.literal("classifier"),
});

const treeSchema = z.looseObject({
  name: z.literal("DTClassifier"),
  options: treeOptionsSchema,
  // Nodes are checked while the predictor compiles them (one walk, precise error paths).
  root: z.custom<TreeNodeJson>(
    (v) => typeof v === "object" && v !== null && !Array.isArray(v),
    "expected a tree node object",
  ),
});

export const forestJsonSchema = z.looseObject({
  name: z.literal("RFClassifier"),
  baseModel: z.looseObject({
    indexes: z.array(z.array(z.number().int().nonnegative())),
    n: z.number().int().positive(),
    replacement: z.boolean(),
    maxFeatures: z.number(),
    nEstimators: z.number().int().positive(),
    treeOptions: z.record(z.string(), z.unknown()),
    isClassifier: z.literal(true),
    seed: z.number().int(),
    estimators: z.array(treeSchema).min(1),
    useSampleBagging: z.boolean(),
  }),
});

export type TreeOptionsJson = z.infer<typeof treeOptionsSchema>;
export type TreeJson = z.infer<typeof treeSchema>;
export type ForestJson = z.infer<typeof forestJsonSchema>;
