// Polling with a deadline, for steps that wait on the cluster or MLflow.
import { sleep } from "zx";

/** Calls `check` every `intervalS` seconds until it returns a value (not undefined); throws after `timeoutS`. */
export async function pollUntil<T>(
  what: string,
  options: { timeoutS: number; intervalS: number; onWait?: (elapsedS: number) => void },
  check: () => Promise<T | undefined>,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    const elapsedS = Math.round((Date.now() - started) / 1000);
    if (elapsedS >= options.timeoutS) throw new Error(`timed out after ${options.timeoutS}s waiting for ${what}`);
    options.onWait?.(elapsedS);
    await sleep(options.intervalS * 1000);
  }
}
