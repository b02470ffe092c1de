import { ModelFormatError } from "./errors.js";
import { forestJsonSchema, isLeafJson, type ForestJson, type TreeNodeJson } from "./forest-format.js";

/**
 * A random forest compiled from the ml-random-forest JSON format into flat typed arrays, for fast
 * prediction in the API and the job. The probability of UP is the share of trees voting UP (class 1);
 * the library's `predictProbability` is off by one tree and is never used.
 */
export class Forest {
  /** Number of trees. */
  readonly nTrees: number;
  /** Minimum row width: 1 + the largest feature column any tree reads. */
  readonly nFeatures: number;
  /** The JSON this forest was compiled from (what `model.json` holds). */
  readonly json: ForestJson;

  // Node arrays of all trees, one entry per node; `feature` is the input column (-1 for a leaf).
  private readonly feature: Int32Array;
  private readonly threshold: Float64Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  /** A leaf's vote: 1 for UP, 0 for DOWN. */
  private readonly vote: Uint8Array;
  private readonly roots: Int32Array;

  private constructor(json: ForestJson, nFeatures: number, arrays: CompiledNodes) {
    this.json = json;
    this.nTrees = arrays.roots.length;
    this.nFeatures = nFeatures;
    this.feature = arrays.feature;
    this.threshold = arrays.threshold;
    this.left = arrays.left;
    this.right = arrays.right;
    this.vote = arrays.vote;
    this.roots = arrays.roots;
  }

  /**
   * Validates and compiles a forest in ml-random-forest's JSON format. `nFeatures`, when given, is the
   * width of the rows it will be asked to predict: a tree that reads a column beyond it is rejected.
   * Throws ModelFormatError with the path of the first problem.
   */
  static fromJSON(input: unknown, nFeatures?: number): Forest {
    const parsed = forestJsonSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? issue.path.join(".") : "(root)";
      throw new ModelFormatError(`not an ml-random-forest classifier: ${where}: ${issue?.message ?? "invalid"}`);
    }
    const json = parsed.data;
    const { estimators, indexes, nEstimators } = json.baseModel;
    if (nEstimators !== estimators.length || indexes.length !== estimators.length) {
      throw new ModelFormatError(
        `inconsistent forest: nEstimators ${nEstimators}, ${estimators.length} trees, ${indexes.length} index lists`,
      );
    }
    const compiled = compile(json);
    const width = Math.max(compiled.maxColumn + 1, nFeatures ?? 0);
    if (nFeatures !== undefined && compiled.maxColumn >= nFeatures) {
      throw new ModelFormatError(
        `the forest reads feature column ${compiled.maxColumn} but rows have ${nFeatures} features`,
      );
    }
    return new Forest(json, width, compiled);
  }

  /** P(UP) for each row: the share of trees voting UP. Allocates only the output array. */
  predictUpProbability(rows: readonly (readonly number[])[]): number[] {
    const out = new Array<number>(rows.length);
    const { feature, threshold, left, right, vote, roots, nTrees } = this;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      if (row.length < this.nFeatures) {
        throw new RangeError(`row ${r} has ${row.length} features; the forest needs ${this.nFeatures}`);
      }
      let up = 0;
      for (let t = 0; t < nTrees; t++) {
        let node = roots[t]!;
        let f = feature[node]!;
        while (f >= 0) {
          // Same comparison as ml-cart: `<` goes left, anything else (NaN included) goes right.
          node = row[f]! < threshold[node]! ? left[node]! : right[node]!;
          f = feature[node]!;
        }
        up += vote[node]!;
      }
      out[r] = up / nTrees;
    }
    return out;
  }

  /** Each tree's vote (0 DOWN, 1 UP) for one row: for diagnostics and parity checks. */
  treeVotes(row: readonly number[]): Uint8Array {
    if (row.length < this.nFeatures)
      throw new RangeError(`row has ${row.length} features; the forest needs ${this.nFeatures}`);
    const votes = new Uint8Array(this.nTrees);
    for (let t = 0; t < this.nTrees; t++) {
      let node = this.roots[t]!;
      while (this.feature[node]! >= 0) {
        node = row[this.feature[node]!]! < this.threshold[node]! ? this.left[node]! : this.right[node]!;
      }
      votes[t] = this.vote[node]!;
    }
    return votes;
  }
}

interface CompiledNodes {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  vote: Uint8Array;
  roots: Int32Array;
  maxColumn: number;
}

/** Walks every tree once (iteratively: a hostile file cannot overflow the stack), checking each node. */
function compile(json: ForestJson): CompiledNodes {
  const { estimators, indexes } = json.baseModel;
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const vote: number[] = [];
  const roots = new Int32Array(estimators.length);
  let maxColumn = -1;

  for (let t = 0; t < estimators.length; t++) {
    const columns = indexes[t]!;
    roots[t] = feature.length;
    // Each entry: the node, where it sits in the output, its JSON path for errors.
    const stack: { node: TreeNodeJson; id: number; path: string }[] = [];
    const push = (node: TreeNodeJson, path: string): number => {
      const id = feature.length;
      feature.push(-1);
      threshold.push(0);
      left.push(-1);
      right.push(-1);
      vote.push(0);
      stack.push({ node, id, path });
      return id;
    };
    push(estimators[t]!.root, `baseModel.estimators.${t}.root`);
    while (stack.length > 0) {
      const { node, id, path } = stack.pop()!;
      if (typeof node !== "object" || node === null || Array.isArray(node)) {
        throw new ModelFormatError(`${path}: expected a tree node object`);
      }
      if (isLeafJson(node)) {
        vote[id] = leafVote(node.distribution, path);
        continue;
      }
      const { splitColumn, splitValue } = node;
      if (!Number.isInteger(splitColumn) || splitColumn < 0 || splitColumn >= columns.length) {
        throw new ModelFormatError(
          `${path}.splitColumn: expected an integer in [0, ${columns.length}) (the tree's feature list), got ${JSON.stringify(splitColumn)}`,
        );
      }
      if (typeof splitValue !== "number") {
        throw new ModelFormatError(`${path}.splitValue: expected a number, got ${JSON.stringify(splitValue)}`);
      }
      const column = columns[splitColumn]!;
      maxColumn = Math.max(maxColumn, column);
      feature[id] = column;
      threshold[id] = splitValue;
      // Push right first so the left subtree is laid out right after its parent (better locality).
      right[id] = push(node.right, `${path}.right`);
      left[id] = push(node.left, `${path}.left`);
    }
  }
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    vote: Uint8Array.from(vote),
    roots,
    maxColumn,
  };
}

/** A leaf's class as ml-cart decides it: the first largest share of `distribution[0]`. Binary only. */
function leafVote(distribution: unknown, path: string): number {
  const row: unknown = Array.isArray(distribution) && distribution.length === 1 ? distribution[0] : undefined;
  if (!Array.isArray(row) || row.length < 1 || row.length > 2 || !row.every((v) => typeof v === "number")) {
    throw new ModelFormatError(`${path}.distribution: expected [[p0]] or [[p0, p1]] (a binary classifier)`);
  }
  return row.length === 2 && (row[1] as number) > (row[0] as number) ? 1 : 0;
}
