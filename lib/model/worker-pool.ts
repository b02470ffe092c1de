import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker, parentPort, type Transferable } from "node:worker_threads";

/**
 * Worker threads for training, kept in one pool per worker script and reused across trainings (the job
 * trains many forests during walk-forward selection; a thread costs 50-200 ms to start). Idle workers
 * are unref'd, so they never keep a process alive.
 *
 * Worker scripts sit beside this module with its extension: `.js` once compiled to dist/, `.ts` under
 * tsx or vitest, where the worker gets tsx's loader unless the process already runs with it.
 */
export type WorkerScript = "train-fast.worker" | "train-mlrf.worker";

interface Request {
  id: number;
  payload: unknown;
}
type Response = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** A task for a worker, and what to transfer (not copy) with it. */
export interface WorkerTask<T> {
  payload: T;
  transfer?: Transferable[];
}

/** The number of threads to use when none is configured. */
export const defaultThreads = (): number => Math.max(1, availableParallelism());

const moduleUrl = import.meta.url;
const extension = moduleUrl.endsWith(".ts") ? ".ts" : ".js";

function workerExecArgv(): string[] | undefined {
  if (extension !== ".ts" || process.execArgv.some((arg) => arg.includes("tsx"))) return undefined;
  const tsxLoader = pathToFileURL(createRequire(moduleUrl).resolve("tsx")).href;
  return [...process.execArgv, "--import", tsxLoader];
}

class PooledWorker {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  dead = false;

  constructor(script: WorkerScript, onDeath: (w: PooledWorker) => void) {
    this.worker = new Worker(new URL(`./${script}${extension}`, moduleUrl), { execArgv: workerExecArgv() });
    this.worker.unref();
    this.worker.on("message", (message: Response) => {
      const call = this.pending.get(message.id);
      if (!call) return;
      this.pending.delete(message.id);
      if (this.pending.size === 0) this.worker.unref();
      if (message.ok) call.resolve(message.result);
      else call.reject(new Error(message.error));
    });
    const fail = (error: Error): void => {
      if (this.dead) return;
      this.dead = true;
      onDeath(this);
      for (const call of this.pending.values()) call.reject(error);
      this.pending.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`training worker exited (code ${code})`)));
  }

  call(task: WorkerTask<unknown>): Promise<unknown> {
    if (this.dead) return Promise.reject(new Error("training worker is not running"));
    const id = this.nextId++;
    this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, payload: task.payload } satisfies Request, task.transfer ?? []);
    });
  }

  terminate(): Promise<number> {
    this.dead = true;
    return this.worker.terminate();
  }
}

class WorkerPool {
  private readonly idle: PooledWorker[] = [];
  private readonly all = new Set<PooledWorker>();
  private readonly script: WorkerScript;

  constructor(script: WorkerScript) {
    this.script = script;
  }

  /** Runs tasks on up to `threads` workers; results come back in task order. */
  async map<R>(
    tasks: readonly WorkerTask<unknown>[],
    threads: number,
    onResult?: (index: number) => void,
  ): Promise<R[]> {
    const results = new Array<R>(tasks.length);
    let next = 0;
    let failed = false;
    const lane = async (): Promise<void> => {
      const worker = this.acquire();
      try {
        while (!failed && next < tasks.length) {
          const index = next++;
          results[index] = (await worker.call(tasks[index]!)) as R;
          onResult?.(index);
        }
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        this.release(worker);
      }
    };
    const lanes = Math.max(1, Math.min(threads, tasks.length));
    await Promise.all(Array.from({ length: lanes }, lane));
    return results;
  }

  async close(): Promise<void> {
    const workers = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private acquire(): PooledWorker {
    const reused = this.idle.pop();
    if (reused) return reused;
    const worker = new PooledWorker(this.script, (dead) => {
      this.all.delete(dead);
      const at = this.idle.indexOf(dead);
      if (at >= 0) this.idle.splice(at, 1);
    });
    this.all.add(worker);
    return worker;
  }

  private release(worker: PooledWorker): void {
    if (!worker.dead && this.all.has(worker)) this.idle.push(worker);
  }
}

const pools = new Map<WorkerScript, WorkerPool>();

/** Runs `tasks` in worker threads running `script`, at most `threads` at a time. */
export function runInWorkers<R>(
  script: WorkerScript,
  tasks: readonly WorkerTask<unknown>[],
  threads: number,
  onResult?: (index: number) => void,
): Promise<R[]> {
  let pool = pools.get(script);
  if (!pool) {
    pool = new WorkerPool(script);
    pools.set(script, pool);
  }
  return pool.map<R>(tasks, threads, onResult);
}

/** Stops every training worker (they are unref'd, so this is only needed to free memory early). */
export async function closeTrainingWorkers(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((pool) => pool.close()));
}

/** Worker side: answers each task with `handle(payload)`; errors go back to the caller as messages. */
export function serveTasks<T>(handle: (payload: T) => { result: unknown; transfer?: Transferable[] }): void {
  if (!parentPort) throw new Error("serveTasks must run in a worker thread");
  const port = parentPort;
  port.on("message", (request: Request) => {
    try {
      const { result, transfer } = handle(request.payload as T);
      port.postMessage({ id: request.id, ok: true, result } satisfies Response, transfer ?? []);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      port.postMessage({ id: request.id, ok: false, error: message } satisfies Response);
    }
  });
}
