import { EXIT_CODES } from "../exit-codes.js";

/**
 * The data cannot be used as given: a missing or malformed file, an unknown ticker, too little or broken data,
 * a split that does not fit. Retrying cannot help, so the job exits with EXIT_CODES.badConfig.
 */
export class DataError extends Error {
  override readonly name = "DataError";
  readonly exitCode = EXIT_CODES.badConfig;
}

/**
 * The market data could not be fetched right now (network, throttling, server errors): worth retrying later,
 * so the job exits with EXIT_CODES.transient.
 */
export class DataUnavailableError extends Error {
  override readonly name = "DataUnavailableError";
  readonly exitCode = EXIT_CODES.transient;
}
