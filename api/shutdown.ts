import type { Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

/** How often idle keep-alive connections are closed while draining. */
const IDLE_SWEEP_MS = 50;

export interface DrainResult {
  /** True when every request finished before the timeout; false when connections had to be cut. */
  drained: boolean;
  elapsedMs: number;
}

/**
 * Graceful stop: no new connections; requests in progress (including those whose bytes have started arriving)
 * are answered; keep-alive connections are closed as soon as they are idle. After `timeoutMs` the remaining
 * connections are closed. Resolves when the server is closed.
 */
export async function drainServer(server: Server, timeoutMs: number): Promise<DrainResult> {
  const started = performance.now();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  let done = false;
  void closed.then(() => (done = true));
  const deadline = started + timeoutMs;
  while (!done && performance.now() < deadline) {
    server.closeIdleConnections();
    await Promise.race([closed, sleep(IDLE_SWEEP_MS)]);
  }
  const drained = done;
  if (!drained) server.closeAllConnections();
  await closed;
  return { drained, elapsedMs: Math.round(performance.now() - started) };
}
