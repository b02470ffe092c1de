import type { Dataset } from "../../lib/dataset/build.js";
import { trainForest, type TrainedForest } from "../../lib/model/train.js";
import type { HyperParams, TrainConfig } from "./config.js";
import { rowsOf } from "./prepare.js";
import { trainOptionsFor } from "./select.js";
import type { TimeSplit } from "./split.js";

export interface FitResult {
  trained: TrainedForest;
  /** First and last date of the training rows. */
  firstDate: string;
  lastDate: string;
  rows: number;
  /** True when TRAIN_MAX_ROWS cut older rows off the training window. */
  capped: boolean;
}

/** Trains the final forest with the chosen hyperparameters on the training window (never the evaluation window). */
export async function fitFinalModel(
  dataset: Dataset,
  split: TimeSplit,
  trainer: TrainConfig["trainer"],
  params: HyperParams,
  onTrees?: (done: number, total: number) => void,
): Promise<FitResult> {
  const train = rowsOf(dataset, split.train);
  const trained = await trainForest(
    train.X,
    train.y,
    trainOptionsFor(trainer, params),
    onTrees ? { onProgress: onTrees } : {},
  );
  return {
    trained,
    firstDate: train.dates[0]!,
    lastDate: train.dates.at(-1)!,
    rows: train.X.length,
    capped: split.trainCapped,
  };
}
