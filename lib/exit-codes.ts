/**
 * Process exit codes shared by every command, so Kubernetes (podFailurePolicy) and the local scheduler
 * can tell a failure worth retrying from one that is not.
 */
export const EXIT_CODES = {
  ok: 0,
  /** Transient failure (network, MLflow down, Yahoo throttling): worth retrying. */
  transient: 1,
  /** Bad configuration or input: retrying cannot help. */
  badConfig: 2,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
