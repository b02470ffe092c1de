/**
 * The one entry point to ml-random-forest 2.1.0 (CommonJS, and its bundled .d.ts does not compile):
 * the few members the lab uses, typed here. Known bugs avoided: `predictProbability` (off by one
 * tree), `featureImportance` after `load()` (NaN), OOB with few trees (pass `noOOB: true`).
 */
import * as mlRandomForest from "ml-random-forest";

export interface MlrfTreeOptions {
  gainFunction: "gini";
  splitFunction: "mean";
  /** A node with <= minNumSamples rows becomes a leaf. */
  minNumSamples: number;
  maxDepth: number;
  /** The library's default 0.01 grows near-stumps on noisy labels: the lab always passes 0. */
  gainThreshold: number;
}

export interface MlrfOptions {
  nEstimators: number;
  /** A number in (0, 1] is a share of the features, an integer > 1 a count ("1" means all). */
  maxFeatures: number;
  replacement: boolean;
  seed: number;
  useSampleBagging: boolean;
  noOOB: boolean;
  treeOptions: MlrfTreeOptions;
}

/** A row-per-sample matrix whose columns are the trees (what `predictionValues` returns). */
export interface MlrfVotes {
  rows: number;
  columns: number;
  get(row: number, column: number): number;
}

export interface MlrfClassifier {
  train(X: number[][], y: number[]): void;
  predict(X: number[][]): number[];
  predictionValues(X: number[][]): MlrfVotes;
  /** Buggy (off by one tree): only used by tests that show it. */
  predictProbability(X: number[][], label: number): number[];
  toJSON(): unknown;
}

interface MlrfModule {
  RandomForestClassifier: { new (options: MlrfOptions): MlrfClassifier; load(json: unknown): MlrfClassifier };
}

const { RandomForestClassifier } = mlRandomForest as unknown as MlrfModule;

export const createMlrfClassifier = (options: MlrfOptions): MlrfClassifier => new RandomForestClassifier(options);

/** The library's own loader: the reference our Forest must agree with. */
export const loadMlrfClassifier = (json: unknown): MlrfClassifier => RandomForestClassifier.load(json);
