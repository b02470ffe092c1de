// The lab's programs are the same entry points the container image runs compiled (dist/jobs/train/main.js, ...),
// run here from the TypeScript sources with Node and the tsx loader: one process per program (no tsx wrapper
// process), so a signal to the child reaches the program itself.
import path from "node:path";
import { repoRoot } from "../lib/python-env.js";

export const ENTRY_POINTS = {
  train: "jobs/train/main.ts",
  registry: "jobs/registry/main.ts",
  monitor: "jobs/monitor/main.ts",
  api: "api/server.ts",
} as const;

export type EntryPoint = keyof typeof ENTRY_POINTS;

/** The tsx ESM loader of this repository, as a file URL for `node --import`. */
const TSX_LOADER = import.meta.resolve("tsx");

/** `node --import <tsx> <repo>/<entry> ...args`, run from the repository root. */
export function entryCommand(
  entry: EntryPoint,
  args: readonly string[] = [],
): { command: string; args: string[]; cwd: string } {
  return {
    command: process.execPath,
    args: ["--import", TSX_LOADER, path.join(repoRoot, ENTRY_POINTS[entry]), ...args],
    cwd: repoRoot,
  };
}
