// The retry loop of the HTTP core, driven by a scripted transport (the real server cannot be told to answer 503
// or to drop a connection on cue; the integration suite covers the real exchanges).
import { describe, expect, it } from "vitest";
import { MlflowApiError, MlflowUnavailableError, isNotFound } from "../../lib/mlflow/errors.js";
import { MlflowHttp, queryString, type FetchLike } from "../../lib/mlflow/http.js";
import type { MlflowAuth } from "../../lib/mlflow/auth.js";

type Step = Response | Error;

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const refused = (): Error =>
  new TypeError("fetch failed", {
    cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5000"), { code: "ECONNREFUSED" }),
  });
const reset = (): Error =>
  new TypeError("fetch failed", { cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }) });

/** A transport that plays `steps` in order and records what was sent. */
function scripted(steps: Step[]): { fetch: FetchLike; sent: { url: string; init: RequestInit }[] } {
  const sent: { url: string; init: RequestInit }[] = [];
  return {
    sent,
    fetch: (url, init) => {
      sent.push({ url, init });
      const step = steps.shift();
      if (!step) throw new Error("script exhausted: the client sent more requests than expected");
      return step instanceof Error ? Promise.reject(step) : Promise.resolve(step);
    },
  };
}

function http(fetch: FetchLike, retries = 3, auth?: MlflowAuth): MlflowHttp {
  return new MlflowHttp({
    trackingUri: "http://mlflow.test:5000",
    auth,
    timeoutMs: 1000,
    retry: { retries, baseDelayMs: 0, maxDelayMs: 0 },
    fetch,
    logger: undefined,
  });
}

describe("MlflowHttp retries", () => {
  it("when the server answers 503 then 200, then the call is retried and succeeds", async () => {
    const transport = scripted([json(503, { error_code: "TEMPORARILY_UNAVAILABLE" }), json(200, { ok: 1 })]);
    await expect(http(transport.fetch).json({ method: "GET", path: "/x" })).resolves.toEqual({ ok: 1 });
    expect(transport.sent).toHaveLength(2);
  });

  it("when the server answers 429 then 200, then the call is retried", async () => {
    const transport = scripted([json(429, { error_code: "REQUEST_LIMIT_EXCEEDED" }), json(200, {})]);
    await http(transport.fetch).json({ method: "GET", path: "/x" });
    expect(transport.sent).toHaveLength(2);
  });

  it("when the server answers a 4xx, then the typed error is thrown after one request", async () => {
    for (const status of [400, 401, 403, 404, 409]) {
      const transport = scripted([json(status, { error_code: "RESOURCE_DOES_NOT_EXIST", message: "nope" })]);
      const error = await http(transport.fetch, 5)
        .json({ method: "GET", path: "/x" })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MlflowApiError);
      expect(error).toMatchObject({ status, errorCode: "RESOURCE_DOES_NOT_EXIST", serverMessage: "nope" });
      expect(transport.sent).toHaveLength(1);
    }
  });

  it("when 5xx answers outlast the budget, then the last API error is thrown after retries + 1 requests", async () => {
    const transport = scripted([json(500, {}), json(502, {}), json(503, { error_code: "TEMPORARILY_UNAVAILABLE" })]);
    const error = await http(transport.fetch, 2)
      .json({ method: "GET", path: "/x" })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 503, errorCode: "TEMPORARILY_UNAVAILABLE" });
    expect(transport.sent).toHaveLength(3);
  });

  it("when the server stays unreachable, then MlflowUnavailableError names the URI, the call and the attempts", async () => {
    const transport = scripted([refused(), refused(), refused()]);
    const error = await http(transport.fetch, 2)
      .json({ method: "GET", path: "/api/2.0/mlflow/runs/get", query: { run_id: "r" } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MlflowUnavailableError);
    expect((error as Error).message).toMatch(
      /^MLflow at http:\/\/mlflow\.test:5000 is unreachable: GET \/api\/2\.0\/mlflow\/runs\/get failed after 3 attempts over \d+\.\d s \(connect ECONNREFUSED 127\.0\.0\.1:5000\)\. Check that the server is running and that MLFLOW_TRACKING_URI points to it\.$/,
    );
    expect(transport.sent).toHaveLength(3);
  });

  it("when a per-attempt timeout fires, then the call is retried and the final error says no answer came", async () => {
    const timeout = (): Error => new DOMException("The operation was aborted due to timeout", "TimeoutError");
    const transport = scripted([timeout(), timeout()]);
    const error = await http(transport.fetch, 1)
      .json({ method: "GET", path: "/x" })
      .catch((caught: unknown) => caught);
    expect((error as Error).message).toContain("no answer within 1 s");
    expect(transport.sent).toHaveLength(2);
  });

  it("when the error is not a network failure, then it propagates untouched after one request", async () => {
    const transport = scripted([new RangeError("bug")]);
    await expect(http(transport.fetch).json({ method: "GET", path: "/x" })).rejects.toThrow(RangeError);
    expect(transport.sent).toHaveLength(1);
  });

  it("when a health probe asks for no retry, then one request is made", async () => {
    const transport = scripted([refused()]);
    await expect(http(transport.fetch).text({ method: "GET", path: "/health", retries: 0 })).rejects.toThrow(
      MlflowUnavailableError,
    );
    expect(transport.sent).toHaveLength(1);
  });
});

describe("MlflowHttp non-idempotent calls", () => {
  const create = {
    method: "POST" as const,
    path: "/api/2.0/mlflow/runs/create",
    json: {},
    mode: "non-idempotent" as const,
  };

  it("when the connection was refused, then the request is re-sent (it never reached the server)", async () => {
    const transport = scripted([refused(), json(200, { run: { info: { run_id: "r1" } } })]);
    await expect(http(transport.fetch).json(create)).resolves.toEqual({ run: { info: { run_id: "r1" } } });
    expect(transport.sent).toHaveLength(2);
  });

  it("when the server answered 429, then the request is re-sent (it was refused unprocessed)", async () => {
    const transport = scripted([json(429, {}), json(200, { done: true })]);
    await expect(http(transport.fetch).json(create)).resolves.toEqual({ done: true });
    expect(transport.sent).toHaveLength(2);
  });

  it("when the connection broke and there is no way to look up the result, then it fails without re-sending", async () => {
    const transport = scripted([reset()]);
    const error = await http(transport.fetch)
      .json(create)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MlflowUnavailableError);
    expect(error).toMatchObject({ outcomeUnknown: true });
    expect((error as Error).message).toContain("The server may have applied it, so it was not re-sent blindly");
    expect(transport.sent).toHaveLength(1);
  });

  it("when a 500 may have been applied and the lookup finds the result, then it is returned without re-sending", async () => {
    const transport = scripted([json(500, { error_code: "INTERNAL_ERROR" })]);
    let lookups = 0;
    const result = await http(transport.fetch).json({
      ...create,
      recover: () => {
        lookups++;
        return Promise.resolve({ run: { info: { run_id: "found" } } });
      },
    });
    expect(result).toEqual({ run: { info: { run_id: "found" } } });
    expect(lookups).toBe(1);
    expect(transport.sent).toHaveLength(1);
  });

  it("when the lookup finds nothing, then the request is re-sent", async () => {
    const transport = scripted([reset(), json(200, { created: 2 })]);
    const result = await http(transport.fetch).json({ ...create, recover: () => Promise.resolve(undefined) });
    expect(result).toEqual({ created: 2 });
    expect(transport.sent).toHaveLength(2);
  });

  it("when failures that may have been applied outlast the budget, then the error says the outcome is unknown", async () => {
    const transport = scripted([reset(), reset()]);
    const error = await http(transport.fetch, 1)
      .json({ ...create, recover: () => Promise.resolve(undefined) })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "MlflowUnavailableError", outcomeUnknown: true, attempts: 2 });
    expect(transport.sent).toHaveLength(2);
  });

  it("when the non-idempotent call gets a 4xx, then it fails at once without a lookup", async () => {
    const transport = scripted([json(404, { error_code: "RESOURCE_DOES_NOT_EXIST" })]);
    let lookups = 0;
    const error = await http(transport.fetch)
      .json({
        ...create,
        recover: () => {
          lookups++;
          return Promise.resolve(undefined);
        },
      })
      .catch((caught: unknown) => caught);
    expect(isNotFound(error)).toBe(true);
    expect(lookups).toBe(0);
    expect(transport.sent).toHaveLength(1);
  });
});

describe("MlflowHttp requests", () => {
  it("when a JSON call is sent, then it has the JSON content type, the auth header and the body", async () => {
    const transport = scripted([json(200, {})]);
    await http(transport.fetch, 0, { type: "bearer", token: "t0k" }).json({
      method: "DELETE",
      path: "/api/2.0/mlflow/registered-models/alias",
      json: { name: "m", alias: "champion" },
    });
    const [{ url, init }] = transport.sent as [{ url: string; init: RequestInit }];
    expect(url).toBe("http://mlflow.test:5000/api/2.0/mlflow/registered-models/alias");
    expect(init.method).toBe("DELETE");
    expect(init.headers).toEqual({ authorization: "Bearer t0k", "content-type": "application/json" });
    expect(init.body).toBe('{"name":"m","alias":"champion"}');
    expect(init.signal).toBeInstanceOf(AbortSignal);
  });

  it("when bytes are sent, then they go raw as application/octet-stream", async () => {
    const transport = scripted([json(200, {})]);
    const bytes = new Uint8Array([0, 255, 10]);
    await http(transport.fetch).json({ method: "PUT", path: "/p", bytes });
    expect(transport.sent[0]!.init.headers).toEqual({ "content-type": "application/octet-stream" });
    expect(transport.sent[0]!.init.body).toBe(bytes);
  });

  it("when a 200 answer is not JSON, then the error says the URI may not be an MLflow server", async () => {
    const transport = scripted([new Response("<html>router login</html>", { status: 200 })]);
    await expect(http(transport.fetch).json({ method: "GET", path: "/x" })).rejects.toThrow(
      "is http://mlflow.test:5000 an MLflow server?",
    );
  });

  it("when the answer body is empty, then the JSON result is an empty object", async () => {
    const transport = scripted([new Response("", { status: 200 })]);
    await expect(http(transport.fetch).json({ method: "POST", path: "/x", json: {} })).resolves.toEqual({});
  });
});

describe("queryString", () => {
  it("when values have spaces, quotes and lists, then they are encoded with %20 and repeated keys; undefined is left out", () => {
    expect(
      queryString({
        filter: "name = 'spy direction'",
        order_by: ["version_number DESC", "name"],
        max_results: 10,
        page_token: undefined,
      }),
    ).toBe("?filter=name%20%3D%20%27spy%20direction%27&order_by=version_number%20DESC&order_by=name&max_results=10");
    expect(queryString({})).toBe("");
    expect(queryString(undefined)).toBe("");
    expect(queryString({ path: "a+b" })).toBe("?path=a%2Bb");
  });
});
