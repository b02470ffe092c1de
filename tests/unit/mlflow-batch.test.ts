import { describe, expect, it } from "vitest";
import { LOG_BATCH_LIMITS, chunkLogBatch, wireMetricValue, type LogBatchChunk } from "../../lib/mlflow/batch.js";

const params = (n: number): LogBatchChunk["params"] =>
  Array.from({ length: n }, (_, i) => ({ key: `p${i}`, value: "1" }));
const tags = (n: number): LogBatchChunk["tags"] => Array.from({ length: n }, (_, i) => ({ key: `t${i}`, value: "x" }));
const metrics = (n: number): LogBatchChunk["metrics"] =>
  Array.from({ length: n }, (_, i) => ({ key: "loss", value: i, timestamp: 1, step: i }));

function sizes(chunks: LogBatchChunk[]): [number, number, number][] {
  return chunks.map((chunk) => [chunk.params.length, chunk.metrics.length, chunk.tags.length]);
}

describe("chunkLogBatch", () => {
  it("when the batch is within every limit, then it is sent as one request", () => {
    expect(sizes(chunkLogBatch({ params: params(100), metrics: metrics(800), tags: tags(100) }))).toEqual([
      [100, 800, 100],
    ]);
  });

  it("when the batch is empty, then there is nothing to send", () => {
    expect(chunkLogBatch({ params: [], metrics: [], tags: [] })).toEqual([]);
  });

  it("when params, metrics and tags exceed their limits, then requests are filled in order: params first", () => {
    const chunks = chunkLogBatch({ params: params(150), metrics: metrics(2500), tags: tags(120) });
    expect(sizes(chunks)).toEqual([
      [100, 0, 0],
      [50, 950, 0],
      [0, 1000, 0],
      [0, 550, 100],
      [0, 0, 20],
    ]);
    const flat = chunks.flatMap((chunk) => chunk.metrics.map((metric) => metric.step));
    expect(flat).toEqual(Array.from({ length: 2500 }, (_, i) => i)); // order kept, nothing lost
  });

  it("when every request is checked, then none breaks a server limit", () => {
    const chunks = chunkLogBatch({ params: params(333), metrics: metrics(4321), tags: tags(250) });
    for (const chunk of chunks) {
      expect(chunk.params.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.params);
      expect(chunk.tags.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.tags);
      expect(chunk.metrics.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.metrics);
      expect(chunk.params.length + chunk.metrics.length + chunk.tags.length).toBeLessThanOrEqual(1000);
      expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThan(1_000_000);
    }
  });

  it("when values are large, then the request size limit splits them", () => {
    const big = Array.from({ length: 10 }, (_, i) => ({ key: `note_${i}`, value: "x".repeat(5000) }));
    const limits = { ...LOG_BATCH_LIMITS, bytes: 20_000 };
    expect(sizes(chunkLogBatch({ params: [], metrics: [], tags: big }, limits))).toEqual([
      [0, 0, 3],
      [0, 0, 3],
      [0, 0, 3],
      [0, 0, 1],
    ]);
  });

  it("when one item alone is larger than a request may be, then it is refused by name", () => {
    const huge = [{ key: "blob", value: "x".repeat(2_000) }];
    expect(() => chunkLogBatch({ params: [], metrics: [], tags: huge }, { ...LOG_BATCH_LIMITS, bytes: 1_000 })).toThrow(
      'tag "blob" is too large for one log-batch request',
    );
  });
});

describe("wireMetricValue", () => {
  it("when a value is not finite, then it becomes the string MLflow parses; finite values stay numbers", () => {
    expect(wireMetricValue(NaN)).toBe("NaN");
    expect(wireMetricValue(Infinity)).toBe("Infinity");
    expect(wireMetricValue(-Infinity)).toBe("-Infinity");
    expect(wireMetricValue(0.25)).toBe(0.25);
    expect(JSON.stringify({ value: wireMetricValue(NaN) })).toBe('{"value":"NaN"}');
  });
});
