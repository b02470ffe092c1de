// The dev-server tooling: scripts/lib/mlflow-server.ts failure modes and the `npm run mlflow` CLI.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MlflowServerError,
  findFreePort,
  groupAlive,
  isHealthy,
  startMlflowServer,
} from "../../scripts/lib/mlflow-server.js";
import { repoRoot } from "../../scripts/lib/python-env.js";

const exec = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "mlflow-server-test-"));
});

afterAll(async () => {
  await cli("stop").catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

/** Runs `npm run mlflow -- <args> --state-dir <dir>` the way npm does (tsx), returning stdout and the exit code. */
async function cli(...args: string[]): Promise<{ stdout: string; code: number }> {
  const tsx = path.join(repoRoot, "node_modules", "tsx", "dist", "cli.mjs");
  const script = path.join(repoRoot, "scripts", "mlflow-server.ts");
  try {
    const { stdout } = await exec(process.execPath, [tsx, script, ...args, "--state-dir", path.join(dir, "cli")], {
      cwd: repoRoot,
    });
    return { stdout: stdout.trim(), code: 0 };
  } catch (error) {
    const { stdout, code } = error as { stdout?: string; code?: number };
    return { stdout: (stdout ?? "").trim(), code: code ?? -1 };
  }
}

/** An executable standing in for `mlflow` to drive start-up failures without waiting for Python. */
async function fakeMlflow(name: string, script: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return file;
}

describe("startMlflowServer", () => {
  it("when the server exits during start-up, then the error says so and shows the end of its log", async () => {
    const mlflowBin = await fakeMlflow(
      "exits",
      'echo "starting"; echo "alembic: Can\'t locate revision abc" >&2; exit 3',
    );
    const error = await startMlflowServer({ dataDir: path.join(dir, "exits-data"), mlflowBin }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(MlflowServerError);
    expect((error as Error).message).toMatch(/^mlflow server on http:\/\/127\.0\.0\.1:\d+ exited with code 3\./);
    expect((error as Error).message).toContain("Last lines of");
    expect((error as Error).message).toContain("alembic: Can't locate revision abc");
  });

  it("when the server never gets healthy, then it is killed with its children and the error says how long it waited", async () => {
    const pidFile = path.join(dir, "hangs.pid");
    const mlflowBin = await fakeMlflow("hangs", `echo $$ > ${pidFile}; sleep 60 & exec sleep 60`);
    const error = await startMlflowServer({
      dataDir: path.join(dir, "hangs-data"),
      mlflowBin,
      startTimeoutMs: 1000,
    }).catch((caught: unknown) => caught);

    expect((error as Error).message).toContain("did not answer GET /health within 1 s");
    expect(groupAlive(Number(readFileSync(pidFile, "utf8")))).toBe(false);
  });

  it("when the requested port is taken, then it fails at once naming the port", async () => {
    const port = await findFreePort();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
    try {
      await expect(startMlflowServer({ dataDir: path.join(dir, "busy"), port })).rejects.toThrow(
        `port ${port} on 127.0.0.1 is already in use`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("when the mlflow executable is missing, then the error says how to create the virtualenv", async () => {
    await expect(
      startMlflowServer({ dataDir: path.join(dir, "missing"), mlflowBin: path.join(dir, "no-such-mlflow") }),
    ).rejects.toThrow("run `npm run python-env`");
  });
});

describe("npm run mlflow (start | status | stop)", () => {
  it("when started twice, then it prints one URI, status finds it, and stop leaves no process", async () => {
    const started = await cli("start", "--port", "0");
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const state = JSON.parse(readFileSync(path.join(dir, "cli", "server.json"), "utf8")) as { pid: number };
    expect(await isHealthy(started.stdout)).toBe(true);

    const again = await cli("start");
    const status = await cli("status");
    const stopped = await cli("stop");
    const statusAfter = await cli("status");

    expect(again).toEqual({ stdout: started.stdout, code: 0 });
    expect(status).toEqual({ stdout: started.stdout, code: 0 });
    expect(stopped).toEqual({ stdout: `stopped (was ${started.stdout})`, code: 0 });
    expect(groupAlive(state.pid)).toBe(false);
    expect(statusAfter).toEqual({ stdout: "stopped", code: 1 });
    expect(readFileSync(path.join(dir, "cli", "mlflow-server.log"), "utf8")).toContain("--artifacts-destination");
  });

  it("when given an unknown command, then it exits 2 with the usage", async () => {
    expect((await cli("restart")).code).toBe(2);
  });
});
