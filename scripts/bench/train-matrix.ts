import { readFile, writeFile } from "node:fs/promises";

/** The feature matrix the training benches hand to each trainer (ours in a child process, scikit-learn). */
export interface BenchMatrix {
  names: string[];
  train: { dates: string[]; X: number[][]; y: number[] };
  holdout: { dates: string[]; X: number[][]; y: number[] };
}

// JSON keeps every double exact (shortest round-trip form), in Node and in Python.
export const writeMatrix = (file: string, matrix: BenchMatrix): Promise<void> =>
  writeFile(file, JSON.stringify(matrix));

export const readMatrix = async (file: string): Promise<BenchMatrix> =>
  JSON.parse(await readFile(file, "utf8")) as BenchMatrix;

/** Peak resident memory of this process so far, MB (threads included). */
export const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;
