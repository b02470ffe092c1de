// The webhook client against a real HTTP server on 127.0.0.1 that answers what each test scripts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { AlertEvent } from "../../lib/monitoring/alert-state.js";
import { alertPayload, postWebhook, WebhookError, type WebhookPayload } from "../../lib/monitoring/webhook.js";
import { EXIT_CODES } from "../../lib/exit-codes.js";

interface Received {
  contentType: string | undefined;
  body: WebhookPayload;
}

let server: Server | undefined;

/** Answers each request with the next scripted reply (the last one repeats) and records the bodies. */
async function receiver(replies: ((res: ServerResponse) => void)[]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  let index = 0;
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (text += chunk));
    req.on("end", () => {
      received.push({ contentType: req.headers["content-type"], body: JSON.parse(text) as WebhookPayload });
      replies[Math.min(index++, replies.length - 1)]!(res);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T000/B000/secret`, received };
}

/** A port nothing listens on (a server is opened there and closed again). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const status =
  (code: number, headers: Record<string, string> = {}) =>
  (res: ServerResponse) =>
    res.writeHead(code, headers).end(code === 200 ? "ok" : "nope");

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

const event: AlertEvent = {
  alert: "model_stale",
  status: "firing",
  at: "2026-11-24T15:15:00.000Z",
  summary: "newest version v4 was registered 40.0 h ago",
};
const fast = { timeoutMs: 2_000, retries: 3, baseDelayMs: 5, maxDelayMs: 20 };

describe("alertPayload", () => {
  it("when an alert fires or resolves, then the payload has a Slack text and the structured fields", () => {
    expect(alertPayload(event, "spy-direction")).toEqual({
      text: ":rotating_light: *FIRING* `model_stale` on spy-direction: newest version v4 was registered 40.0 h ago",
      alert: "model_stale",
      status: "firing",
      model: "spy-direction",
      summary: event.summary,
      description: expect.stringContaining("older than the limit") as string,
      at: event.at,
      started_at: null,
      source: "spy-mlops-lab monitor",
    });
    const resolved = alertPayload({ ...event, status: "resolved", startedAt: "2026-11-24T10:15:00.000Z" }, "m");
    expect(resolved.text).toBe(
      ":white_check_mark: *RESOLVED* `model_stale` on m (since 2026-11-24T10:15:00.000Z): " + event.summary,
    );
    expect(resolved.started_at).toBe("2026-11-24T10:15:00.000Z");
  });
});

describe("postWebhook", () => {
  it("when the receiver accepts, then one JSON POST delivers the payload", async () => {
    const { url, received } = await receiver([status(200)]);
    const attempts = await postWebhook(alertPayload(event, "spy-direction"), { url, ...fast });
    expect(attempts).toBe(1);
    expect(received).toHaveLength(1);
    expect(received[0]?.contentType).toBe("application/json");
    expect(received[0]?.body.alert).toBe("model_stale");
  });

  it("when the receiver fails with 503 and 429 first, then the notification is retried until it is taken", async () => {
    const { url, received } = await receiver([status(503), status(429, { "Retry-After": "0" }), status(200)]);
    expect(await postWebhook(alertPayload(event, "m"), { url, ...fast })).toBe(3);
    expect(received).toHaveLength(3);
  });

  it("when the receiver keeps failing, then it gives up after the retries with a transient error naming only the host", async () => {
    const { url, received } = await receiver([status(500)]);
    const error = await postWebhook(alertPayload(event, "m"), { url, ...fast, retries: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookError);
    expect((error as WebhookError).exitCode).toBe(EXIT_CODES.transient);
    expect((error as Error).message).toMatch(
      /^the alert webhook at 127\.0\.0\.1:\d+ did not take .* after 3 attempts: HTTP 500/,
    );
    expect((error as Error).message).not.toContain("secret");
    expect(received).toHaveLength(3);
  });

  it("when the receiver refuses with a 4xx, then it fails at once without retrying", async () => {
    const { url, received } = await receiver([status(404)]);
    await expect(postWebhook(alertPayload(event, "m"), { url, ...fast })).rejects.toThrow(/refused .*HTTP 404/);
    expect(received).toHaveLength(1);
  });

  it("when the receiver does not answer in time or is not there, then each attempt fails and it gives up", async () => {
    const { url } = await receiver([() => undefined]); // never answers
    await expect(postWebhook(alertPayload(event, "m"), { url, ...fast, timeoutMs: 100, retries: 1 })).rejects.toThrow(
      /after 2 attempts: timed out/,
    );
    const closed = await freePort();
    await expect(
      postWebhook(alertPayload(event, "m"), { url: `http://127.0.0.1:${closed}/hook`, ...fast, retries: 0 }),
    ).rejects.toThrow(/after 1 attempt: ECONNREFUSED$/);
  });
});
