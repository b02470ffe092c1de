import { EXIT_CODES } from "../exit-codes.js";
import type { Logger } from "../log.js";
import { RetryError, retryAfterMs, retryWithBackoff } from "../retry.js";
import type { AlertEvent } from "./alert-state.js";
import { ALERT_DESCRIPTIONS } from "./alerts.js";

/**
 * Alert notifications to a webhook: a Slack-compatible JSON body (`text`, which Slack, Mattermost and Rocket.Chat
 * incoming webhooks display) plus structured fields for anything else that receives it. Delivery retries network
 * errors, timeouts, 408, 429 and 5xx with exponential backoff and jitter (honouring Retry-After); any other answer
 * fails at once. The URL is a credential (Slack's carries a token): it is never logged, only its host.
 */

export interface WebhookPayload {
  text: string;
  alert: string;
  status: "firing" | "resolved";
  model: string;
  summary: string;
  description: string;
  /** When the check saw the transition (ISO 8601). */
  at: string;
  /** For "resolved": when the condition had started. */
  started_at: string | null;
  source: string;
}

export const WEBHOOK_SOURCE = "spy-mlops-lab monitor";

export function alertPayload(event: AlertEvent, model: string): WebhookPayload {
  const firing = event.status === "firing";
  const head = firing ? ":rotating_light: *FIRING*" : ":white_check_mark: *RESOLVED*";
  const since = !firing && event.startedAt ? ` (since ${event.startedAt})` : "";
  return {
    text: `${head} \`${event.alert}\` on ${model}${since}: ${event.summary}`,
    alert: event.alert,
    status: event.status,
    model,
    summary: event.summary,
    description: ALERT_DESCRIPTIONS[event.alert],
    at: event.at,
    started_at: event.startedAt ?? null,
    source: WEBHOOK_SOURCE,
  };
}

export interface WebhookOptions {
  url: string;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  /** First backoff; doubles per retry up to maxDelayMs, with full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  logger?: Logger;
  random?: () => number;
}

/** The webhook did not take the notification (after the retries, or refused it). Worth retrying later. */
export class WebhookError extends Error {
  override readonly name = "WebhookError";
  readonly exitCode = EXIT_CODES.transient;
}

const RETRYABLE_STATUS = new Set([408, 425, 429]);

/** "hooks.slack.com": what the logs may say about a webhook URL. */
export function webhookHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid URL)";
  }
}

/** One attempt that failed in a way worth another: what went wrong, and how long the receiver asked us to wait. */
class RetryableDelivery extends Error {
  constructor(
    readonly problem: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(problem);
  }
}

/** POSTs `payload` as JSON; resolves with the number of attempts it took, or throws a WebhookError. */
export async function postWebhook(payload: WebhookPayload, options: WebhookOptions): Promise<number> {
  const send = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  const host = webhookHost(options.url);
  const body = JSON.stringify(payload);
  const attempt = async (attempt: number): Promise<number> => {
    let response: Response;
    try {
      response = await send(options.url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: "error",
      });
    } catch (error) {
      throw new RetryableDelivery(describeFetchError(error), undefined);
    }
    const text = (await response.text().catch(() => "")).slice(0, 200);
    if (response.ok) return attempt;
    const problem = `HTTP ${response.status}${text ? ` ${JSON.stringify(text)}` : ""}`;
    if (!(RETRYABLE_STATUS.has(response.status) || response.status >= 500)) {
      throw new WebhookError(`the alert webhook at ${host} refused the notification: ${problem}`);
    }
    throw new RetryableDelivery(problem, retryAfterMs(response.headers.get("retry-after")));
  };
  try {
    return await retryWithBackoff(attempt, {
      maxAttempts: options.retries + 1,
      baseDelayMs: options.baseDelayMs,
      maxDelayMs: options.maxDelayMs,
      isRetryable: (error) => error instanceof RetryableDelivery,
      minDelayFor: (error) => (error instanceof RetryableDelivery ? error.retryAfterMs : undefined),
      onRetry: ({ attempt, delayMs, error }) =>
        options.logger?.warn(
          { host, attempt, problem: (error as RetryableDelivery).problem, retry_in_ms: Math.round(delayMs) },
          "webhook retry",
        ),
      ...(options.random ? { random: options.random } : {}),
    });
  } catch (error) {
    if (!(error instanceof RetryError)) throw error;
    if (error.cause instanceof WebhookError) throw error.cause;
    const problem = error.cause instanceof RetryableDelivery ? error.cause.problem : error.message;
    throw new WebhookError(
      `the alert webhook at ${host} did not take the notification after ${error.attempts} ` +
        `attempt${error.attempts === 1 ? "" : "s"}: ${problem}`,
    );
  }
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return "timed out";
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    messages.push(current.message);
    current = current.cause;
  }
  return messages.join(": ") || String(error);
}
