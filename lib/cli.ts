import { ConfigError } from "./config.js";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";

/** An error caused by what the user asked for (bad flag, bad file): printed without a stack, exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Maps an error to the exit code that tells whether retrying can help. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof ConfigError || error instanceof UsageError) return EXIT_CODES.badConfig;
  if (error && typeof error === "object" && "exitCode" in error) {
    const code = error.exitCode;
    if (code === EXIT_CODES.badConfig || code === EXIT_CODES.transient) return code;
  }
  return EXIT_CODES.transient;
}

/**
 * Runs a command's main function: a clean one-line message on failure (the stack only with DEBUG=1),
 * and an exit code from `exitCodeFor`. The process exit code is set, not forced, so open handles
 * (log flushes, sockets) close normally.
 */
export async function runCli(name: string, main: () => Promise<number | void>): Promise<void> {
  try {
    const code = await main();
    process.exitCode = code ?? EXIT_CODES.ok;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${name}: ${message}\n`);
    if (process.env.DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = exitCodeFor(error);
  }
}
