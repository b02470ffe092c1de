// Hot swap under load: while clients fire requests concurrently, the champion alias moves to a new version in the
// real MLflow server; the API notices by itself (200 ms polls), loads the version in the background and swaps it in.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedTrackingUri, testClient, uniqueName } from "../helpers/mlflow.js";
import { createTestApi, eventually, publishTrainedVersion, type TestApi } from "../helpers/model-registry.js";

let api: TestApi;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  api?.stop();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface Answer {
  status: number;
  version: string | undefined;
  confidence: number | undefined;
}

/** `workers` clients asking in a loop until `stop()` resolves; every answer is kept in order per client. */
function fireConcurrently(workers: number): { answers: Answer[][]; stop: () => Promise<void> } {
  let running = true;
  const answers: Answer[][] = Array.from({ length: workers }, () => []);
  const loops = answers.map(async (mine, worker) => {
    while (running) {
      const threshold = ((worker % 10) + 1) / 10;
      try {
        const response = await fetch(`${baseUrl}/predictionForTomorrow?threshold=${threshold}`);
        const body = (await response.json()) as { model_version?: string; confidence?: number };
        mine.push({ status: response.status, version: body.model_version, confidence: body.confidence });
      } catch (error) {
        mine.push({ status: 0, version: String(error), confidence: undefined });
      }
    }
  });
  return {
    answers,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe("hot swap of the champion under concurrent requests", () => {
  it("when the alias moves to a new version, then answers switch from v1 to v2 with zero non-200 answers", async () => {
    const client = testClient();
    const modelName = uniqueName("spy-direction");
    const v1 = await publishTrainedVersion(client, modelName, { seed: 1, trees: 40 });
    const v2 = await publishTrainedVersion(client, modelName, { seed: 2, trees: 40 });
    await client.registry.setAlias(modelName, "champion", v1.version);
    api = createTestApi({ trackingUri: sharedTrackingUri(), modelName, pollMs: 200 });
    const handle = api.app.callback();
    server.on("request", (req, res) => void handle(req, res));
    api.runtime.start();
    await eventually("v1 served", () => api.runtime.prediction()?.modelVersion === v1.version);

    const load = fireConcurrently(16);
    await eventually("answers from v1", () => load.answers.flat().length >= 200);
    await client.registry.setAlias(modelName, "champion", v2.version);
    await eventually(
      "answers from v2",
      () => load.answers.flat().filter((a) => a.version === v2.version).length >= 300,
    );
    await load.stop();

    const all = load.answers.flat();
    const failed = all.filter((answer) => answer.status !== 200);
    expect(failed).toEqual([]);
    const byVersion = new Map<string | undefined, number>();
    for (const answer of all) byVersion.set(answer.version, (byVersion.get(answer.version) ?? 0) + 1);
    expect([...byVersion.keys()].sort()).toEqual([v1.version, v2.version].sort());
    expect(byVersion.get(v1.version)).toBeGreaterThanOrEqual(200);
    // Each answer carries its own version's P(UP), and no client ever goes back to v1 after seeing v2.
    for (const answer of all) {
      const expected = answer.version === v1.version ? v1.bundle.latestProbability : v2.bundle.latestProbability;
      expect(answer.confidence).toBe(expected);
    }
    for (const mine of load.answers) {
      const firstV2 = mine.findIndex((answer) => answer.version === v2.version);
      expect(firstV2).toBeGreaterThanOrEqual(0);
      expect(mine.slice(firstV2).every((answer) => answer.version === v2.version)).toBe(true);
    }
    expect(api.runtime.champion()).toMatchObject({ aliasVersion: v2.version, lastError: undefined });

    // Rollback is re-pointing the alias: the API follows it back.
    await client.registry.setAlias(modelName, "champion", v1.version);
    await eventually("v1 served again", () => api.runtime.prediction()?.modelVersion === v1.version);
  });
});
