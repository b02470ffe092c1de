import { EXIT_CODES } from "../exit-codes.js";

/** A forest JSON that the predictor cannot use (wrong shape, column out of range, unsupported class count). */
export class ModelFormatError extends Error {
  override readonly name = "ModelFormatError";
  readonly exitCode = EXIT_CODES.badConfig;
}

/** Training data or options that cannot train a forest (ragged or non-finite features, labels not 0/1...). */
export class TrainingInputError extends Error {
  override readonly name = "TrainingInputError";
  readonly exitCode = EXIT_CODES.badConfig;
}

/** Why a model bundle was rejected; the API counts rejections by this reason. */
export type BundleRejection =
  "missing_file" | "corrupt_file" | "invalid_shape" | "feature_mismatch" | "incompatible_spec" | "smoke_failed";

/** A model bundle that must not be served: the message says which file and what is wrong. */
export class BundleError extends Error {
  override readonly name = "BundleError";
  readonly exitCode = EXIT_CODES.badConfig;
  readonly reason: BundleRejection;
  constructor(reason: BundleRejection, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}
