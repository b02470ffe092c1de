// Argument checks of the day-2 scripts, done on the host so a typo fails at once instead of in a pod.
import { UsageError } from "../../../lib/cli.js";

export const REGISTRY_USAGE = "usage: npm run lab:registry -- <list | promote VERSION | rollback [VERSION]>";

/** The registry CLI's arguments, unchanged, when they form a valid command; else a UsageError. */
export function registryArgs(argv: string[]): string[] {
  const [command, ...rest] = argv;
  const isVersion = (v: string | undefined): boolean => v !== undefined && /^[1-9]\d*$/.test(v);
  if (command === "list" && rest.length === 0) return argv;
  if (command === "promote" && rest.length === 1 && isVersion(rest[0])) return argv;
  if (command === "rollback" && (rest.length === 0 || (rest.length === 1 && isVersion(rest[0])))) return argv;
  throw new UsageError(REGISTRY_USAGE);
}

/** The threshold to send: the argument if it is a number in [0, 1], else a random one (2 decimals). */
export function chooseThreshold(arg: string | undefined, random: () => number = Math.random): number {
  if (arg === undefined) return Math.round(random() * 100) / 100;
  const value = Number(arg);
  if (!/^\d*\.?\d+$/.test(arg.trim()) || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError(`threshold must be a number in [0, 1] (got "${arg}")`);
  }
  return value;
}
