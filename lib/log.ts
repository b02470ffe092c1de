import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger };

const LEVELS = new Set<string>(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/**
 * Structured JSON logger (pino) for every process of the lab. The level comes from LOG_LEVEL (default
 * "info"; vitest runs default to "silent"). Logs go to stderr so a command's stdout stays its result.
 */
export function createLogger(name: string, level?: LevelWithSilent): Logger {
  const fromEnv = process.env.LOG_LEVEL?.toLowerCase();
  const chosen: LevelWithSilent =
    level ?? (fromEnv && LEVELS.has(fromEnv) ? (fromEnv as LevelWithSilent) : process.env.VITEST ? "silent" : "info");
  return pino({ name, level: chosen, base: { name } }, pino.destination({ fd: 2, sync: true }));
}
