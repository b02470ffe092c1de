import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../lib/exit-codes.js";
import { loadEnv } from "../../lib/config.js";
import { marketEnvSchema } from "../../lib/market/source-config.js";
import { findFreePort } from "../../scripts/lib/mlflow-server.js";
import { checkDataFile, checkPorts, checkYahoo, LabError } from "../../scripts/local/preflight.js";
import { spy2yCsv } from "../helpers/data.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "local-preflight-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function caught(promise: Promise<unknown>): Promise<LabError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LabError);
    return error as LabError;
  }
  throw new Error("expected a LabError");
}

describe("port checks", () => {
  it("when the API port is taken, then the message names API_PORT and suggests another port; exit code 2", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const taken = (server.address() as net.AddressInfo).port;
    try {
      const error = await caught(
        checkPorts({ apiHost: "127.0.0.1", apiPort: taken, mlflowPort: await findFreePort() }),
      );
      expect(error.message).toContain(`port ${taken} (API_PORT, for the API) is already in use`);
      expect(error.message).toContain(`API_PORT=${taken + 1} npm start`);
      expect(error.message).not.toContain("MLFLOW_PORT");
      expect(error.exitCode).toBe(EXIT_CODES.badConfig);
    } finally {
      server.close();
    }
  });

  it("when both ports are free, then the check passes", async () => {
    await expect(
      checkPorts({ apiHost: "127.0.0.1", apiPort: await findFreePort(), mlflowPort: await findFreePort() }),
    ).resolves.toBeUndefined();
  });
});

describe("market data checks", () => {
  it("when Yahoo Finance cannot be reached, then the message says how to run on a CSV file; exit code 1", async () => {
    const offline: typeof fetch = () =>
      Promise.reject(
        new TypeError("fetch failed", {
          cause: Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" }),
        }),
      );
    const error = await caught(checkYahoo(loadEnv(marketEnvSchema, {}), { fetch: offline }));
    expect(error.message).toContain("Yahoo Finance cannot be reached");
    expect(error.message).toContain("MARKET_DATA_FILE=../shared/data/spy-daily.csv npm start");
    expect(error.exitCode).toBe(EXIT_CODES.transient);
  });

  it("when the data file is usable, then its date range is reported", async () => {
    await expect(checkDataFile(spy2yCsv())).resolves.toEqual({
      firstDate: "2021-10-05",
      lastDate: "2023-09-29",
      rows: 500,
    });
  });

  it.each([
    ["does not exist", null],
    ["has a wrong header", "when,price\n2023-01-03,1\n"],
  ])("when the data file %s, then the message says what the file must look like; exit code 2", async (_, text) => {
    const file = path.join(dir, `data-${Math.random()}.csv`);
    if (text !== null) await writeFile(file, text);
    const error = await caught(checkDataFile(file));
    expect(error.message).toContain("the market data file cannot be used");
    expect(error.message).toContain("header date,open,high,low,close,adj_close,volume");
    expect(error.exitCode).toBe(EXIT_CODES.badConfig);
  });
});
