import { createHash } from "node:crypto";
import type { Bar } from "../market/types.js";

/** Version of the canonical serialisation below; part of the digest so a format change cannot collide. */
const CANONICAL_FORMAT = "bars-v1";

/**
 * sha256 (hex) of a canonical serialisation of the bars: one line `date,open,high,low,close,volume` per bar in
 * order, numbers in JavaScript's shortest round-trip form. `adjClose` is left out on purpose: neither features nor
 * labels use it, and Yahoo rewrites it at every dividend, so including it would change the digest of unchanged data.
 */
export function barsDigest(bars: readonly Bar[]): string {
  const hash = createHash("sha256");
  hash.update(`${CANONICAL_FORMAT}\n`);
  for (const bar of bars) {
    hash.update(`${bar.date},${bar.open},${bar.high},${bar.low},${bar.close},${bar.volume}\n`);
  }
  return hash.digest("hex");
}
