import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Folder of the real SPY history: $SPY_DATA_DIR, else ../shared/data beside the repository. */
export function spyDataDir(): string {
  const dir = process.env.SPY_DATA_DIR ?? path.resolve(repoRoot, "../shared/data");
  if (!existsSync(path.join(dir, "spy-daily.csv"))) {
    throw new Error(`SPY data not found in ${dir}: set SPY_DATA_DIR to the folder holding spy-daily.csv`);
  }
  return dir;
}

/** Full history 1993-2023 (7,723 rows). */
export const spyFullCsv = (): string => path.join(spyDataDir(), "spy-daily.csv");
/** The last 500 rows (2021-10-05 .. 2023-09-29): use it for fast tests. */
export const spy2yCsv = (): string => path.join(spyDataDir(), "spy-daily-2y.csv");
export { repoRoot };
