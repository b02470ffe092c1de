import { createRng } from "../../lib/model/random.js";

/**
 * A learnable binary problem for forest tests: features uniform in [-1, 1], label from a noisy non-linear rule
 * (x0 + 0.5·x1·x2 + noise > 0), so a working forest reaches a clearly non-trivial AUC. Deterministic for a seed.
 */
export function syntheticClassification(rows: number, features: number, seed: number): { X: number[][]; y: number[] } {
  const rng = createRng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const row = Array.from({ length: features }, () => rng.next() * 2 - 1);
    X.push(row);
    y.push(row[0]! + 0.5 * row[1]! * row[2]! + 0.6 * (rng.next() - 0.5) > 0 ? 1 : 0);
  }
  return { X, y };
}
