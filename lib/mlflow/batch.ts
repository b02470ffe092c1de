import type { KeyValue } from "./types.js";

/** A metric value as sent on the wire: JSON has no NaN/Infinity, so MLflow takes them as strings. */
export type WireMetricValue = number | "NaN" | "Infinity" | "-Infinity";

export interface WireMetric {
  key: string;
  value: WireMetricValue;
  timestamp: number;
  step: number;
}

export interface LogBatchChunk {
  params: KeyValue[];
  metrics: WireMetric[];
  tags: KeyValue[];
}

/**
 * Server limits of `runs/log-batch` (mlflow/utils/validation.py): 100 params, 100 tags, 1000 metrics and 1000 entities
 * per request, 1 MB per request (kept below with a margin for the envelope).
 */
export const LOG_BATCH_LIMITS = {
  params: 100,
  tags: 100,
  metrics: 1000,
  entities: 1000,
  bytes: 900_000,
} as const;

export type LogBatchLimits = { [K in keyof typeof LOG_BATCH_LIMITS]: number };

/** The wire form of a metric value. */
export function wireMetricValue(value: number): WireMetricValue {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  return value;
}

/**
 * Splits a batch into requests that respect the server's limits, in order: params first (immutable and validated,
 * so a conflict fails before anything else is written), then metrics, then tags. Each request is filled greedily.
 */
export function chunkLogBatch(batch: LogBatchChunk, limits: LogBatchLimits = LOG_BATCH_LIMITS): LogBatchChunk[] {
  const chunks: LogBatchChunk[] = [];
  let current = emptyChunk();
  let bytes = 0;
  const entities = (chunk: LogBatchChunk): number => chunk.params.length + chunk.metrics.length + chunk.tags.length;

  const add = <K extends keyof LogBatchChunk>(kind: K, item: LogBatchChunk[K][number], describe: string): void => {
    const size = Buffer.byteLength(JSON.stringify(item), "utf8") + 1;
    if (size > limits.bytes) {
      throw new RangeError(`${describe} is too large for one log-batch request (${size} bytes > ${limits.bytes})`);
    }
    const full =
      current[kind].length >= limits[kind] || entities(current) >= limits.entities || bytes + size > limits.bytes;
    if (full) {
      chunks.push(current);
      current = emptyChunk();
      bytes = 0;
    }
    (current[kind] as LogBatchChunk[K][number][]).push(item);
    bytes += size;
  };

  for (const param of batch.params) add("params", param, `param "${param.key}"`);
  for (const metric of batch.metrics) add("metrics", metric, `metric "${metric.key}"`);
  for (const tag of batch.tags) add("tags", tag, `tag "${tag.key}"`);
  if (entities(current) > 0) chunks.push(current);
  return chunks;
}

function emptyChunk(): LogBatchChunk {
  return { params: [], metrics: [], tags: [] };
}
