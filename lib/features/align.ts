/**
 * technicalindicators returns shorter arrays whose last value belongs to the last input (right-aligned): SMA(p)
 * starts at input p-1, RSI(p) at p, MACD at slow-1, and so on. This is the one place that maps such an output
 * back onto the input's indices; positions without a value stay undefined (warm-up), never zero.
 */
export function alignRight<T>(output: readonly T[], inputLength: number): (T | undefined)[] {
  if (output.length > inputLength) {
    throw new RangeError(`alignRight: output has ${output.length} values for ${inputLength} inputs`);
  }
  const offset = inputLength - output.length;
  const aligned = new Array<T | undefined>(inputLength).fill(undefined);
  for (let i = 0; i < output.length; i++) aligned[i + offset] = output[i];
  return aligned;
}
