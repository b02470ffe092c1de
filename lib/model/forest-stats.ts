import { isLeafJson, type ForestJson, type TreeNodeJson } from "./forest-format.js";

/**
 * Mean decrease in impurity per feature (scikit-learn's `feature_importances_`): per tree, each split adds
 * weighted rows x Gini decrease (`numberSamples * gain`) to its feature; trees are normalised to sum 1,
 * averaged over the trees that split at all, and the result normalised again. Computed from the JSON
 * right after training, for both trainers (ml-random-forest's own `featureImportance` also counts leaves'
 * rejected splits and returns NaN after `load()`).
 */
export function featureImportance(json: ForestJson, nFeatures: number): number[] {
  const total = new Array<number>(nFeatures).fill(0);
  const perTree = new Array<number>(nFeatures);
  const { estimators, indexes } = json.baseModel;
  for (let t = 0; t < estimators.length; t++) {
    perTree.fill(0);
    const columns = indexes[t]!;
    let sum = 0;
    forEachNode(estimators[t]!.root, (node) => {
      if (isLeafJson(node)) return;
      const decrease = (node.numberSamples ?? 0) * (node.gain ?? 0);
      const column = columns[node.splitColumn]!;
      if (decrease > 0 && column < nFeatures) {
        perTree[column]! += decrease;
        sum += decrease;
      }
    });
    if (sum > 0) for (let f = 0; f < nFeatures; f++) total[f]! += perTree[f]! / sum;
  }
  const grand = total.reduce((a, b) => a + b, 0);
  return grand > 0 ? total.map((v) => v / grand) : total;
}

/** Size and depth of a forest, for logs and run metrics. */
export interface ForestShape {
  trees: number;
  nodes: number;
  leaves: number;
  /** Deepest leaf (the root is depth 0). */
  maxDepth: number;
  meanLeafDepth: number;
}

export function forestShape(json: ForestJson): ForestShape {
  let nodes = 0;
  let leaves = 0;
  let maxDepth = 0;
  let depthSum = 0;
  for (const tree of json.baseModel.estimators) {
    forEachNode(tree.root, (node, depth) => {
      nodes++;
      if (isLeafJson(node)) {
        leaves++;
        depthSum += depth;
        if (depth > maxDepth) maxDepth = depth;
      }
    });
  }
  return {
    trees: json.baseModel.estimators.length,
    nodes,
    leaves,
    maxDepth,
    meanLeafDepth: leaves > 0 ? depthSum / leaves : 0,
  };
}

/** Visits every node of a tree (iteratively), with its depth. */
export function forEachNode(root: TreeNodeJson, visit: (node: TreeNodeJson, depth: number) => void): void {
  const stack: [TreeNodeJson, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    visit(node, depth);
    if (!isLeafJson(node)) stack.push([node.right, depth + 1], [node.left, depth + 1]);
  }
}
