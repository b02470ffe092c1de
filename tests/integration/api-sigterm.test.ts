// SIGTERM on the real API process (api/server.ts): it stops accepting connections, answers the request already in
// progress, then exits 0.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { findFreePort } from "../../scripts/lib/mlflow-server.js";
import { repoRoot, spy2yCsv } from "../helpers/data.js";
import { sharedTrackingUri, testClient, uniqueName } from "../helpers/mlflow.js";
import { eventually, publishTrainedVersion } from "../helpers/model-registry.js";

let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
});

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

describe("api/server.ts", () => {
  it("when SIGTERM arrives during a request, then new connections are refused, the request is answered and the process exits 0", async () => {
    const client = testClient();
    const modelName = uniqueName("spy-direction");
    const published = await publishTrainedVersion(client, modelName, { seed: 4 });
    await client.registry.setAlias(modelName, "champion", published.version);
    const port = await findFreePort();
    let stderr = "";
    child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "api/server.ts")], {
      cwd: repoRoot,
      env: {
        ...process.env,
        LOG_LEVEL: "info",
        API_HOST: "127.0.0.1",
        API_PORT: String(port),
        MLFLOW_TRACKING_URI: sharedTrackingUri(),
        MODEL_NAME: modelName,
        MARKET_DATA_FILE: spy2yCsv(),
        CHAMPION_POLL_SECONDS: "1",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    await eventually(
      "the API ready",
      async () => {
        if (child!.exitCode !== null) throw new Error(`api/server.ts exited early:\n${stderr}`);
        try {
          return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
        } catch {
          return false;
        }
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );

    // A request whose bytes have started arriving when the signal comes.
    const socket = await connect(port);
    let answer = "";
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString("utf8")));
    const socketClosed = once(socket, "close");
    socket.write("GET /predictionForTomorrow?threshold=0.4 HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    await sleep(200); // let the server read the partial request
    child.kill("SIGTERM");
    await eventually("the listener closed", async () => {
      try {
        (await connect(port)).destroy();
        return false;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === "ECONNREFUSED";
      }
    });
    expect(child.exitCode).toBeNull();

    socket.write("Accept: application/json\r\n\r\n");
    await socketClosed;
    const [head = "", body = ""] = answer.split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(JSON.parse(body)).toMatchObject({ threshold: 0.4, model_version: published.version });

    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    const logs = stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { msg: string; status?: number; query?: string });
    const messages = logs.map((line) => line.msg);
    expect(messages).toContain("API listening");
    expect(messages).toContain("stop signal: draining in-flight requests");
    expect(messages).toContain("drained; exiting");
    expect(logs.filter((line) => line.msg === "request" && line.query === "threshold=0.4")).toEqual([
      expect.objectContaining({ status: 200 }),
    ]);
  });
});
