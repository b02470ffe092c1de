import { z } from "zod";
import type { AlertStatus } from "./alerts.js";
import { ALERT_NAMES, type AlertName } from "./names.js";

/**
 * Alert state between two checks, and the notifications it owes. Each alert remembers whether it was active, since
 * when, and an outbox of transitions not yet delivered to the webhook. A check appends an event only when an alert
 * changes (started or cleared), so a condition that holds is never notified twice; an event leaves the outbox only
 * once delivered, so a webhook failure loses nothing (it is sent at the next check).
 */

export type AlertTransition = "firing" | "resolved";

export interface AlertEvent {
  alert: AlertName;
  status: AlertTransition;
  /** When the check saw the change (ISO 8601). */
  at: string;
  summary: string;
  /** For "resolved": when the condition had started. */
  startedAt?: string;
}

export interface AlertRecord {
  active: boolean;
  /** When the current state (active or not) was first seen. */
  since: string;
  /** The latest summary. */
  summary: string;
  /** Transitions not delivered yet, oldest first. */
  pending: AlertEvent[];
  /** When the last transition of this alert was delivered. */
  lastNotifiedAt?: string;
}

export type AlertState = Partial<Record<AlertName, AlertRecord>>;

/** Most undelivered transitions kept per alert (the oldest are dropped): bounds the state's size. */
export const MAX_PENDING = 10;

const eventSchema = z.object({
  alert: z.enum(ALERT_NAMES),
  status: z.enum(["firing", "resolved"]),
  at: z.string(),
  summary: z.string(),
  startedAt: z.string().optional(),
});

const recordSchema = z.object({
  active: z.boolean(),
  since: z.string(),
  summary: z.string(),
  pending: z.array(eventSchema),
  lastNotifiedAt: z.string().optional(),
});

/** An alert record stored as JSON; undefined when unreadable (the alert then starts from "not active"). */
export function parseAlertRecord(text: string | undefined): AlertRecord | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = recordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Summaries are cut so that one record stays far below MLflow's tag value limit. */
const MAX_SUMMARY = 600;

/**
 * The state after one check: each alert's record is updated with its new status, and a transition is queued for
 * each alert that started or cleared. An alert never seen before starts as "not active", so a first check that
 * finds it inactive queues nothing.
 */
export function applyStatuses(
  previous: AlertState,
  statuses: readonly AlertStatus[],
  now: Date,
): { state: AlertState; transitions: AlertEvent[] } {
  const at = now.toISOString();
  const state: AlertState = { ...previous };
  const transitions: AlertEvent[] = [];
  for (const status of statuses) {
    const summary = status.summary.slice(0, MAX_SUMMARY);
    const before = previous[status.name];
    const wasActive = before?.active ?? false;
    if (before && wasActive === status.active) {
      state[status.name] = { ...before, summary };
      continue;
    }
    if (!before && !status.active) {
      state[status.name] = { active: false, since: at, summary, pending: [] };
      continue;
    }
    const event: AlertEvent = {
      alert: status.name,
      status: status.active ? "firing" : "resolved",
      at,
      summary,
      ...(!status.active && before ? { startedAt: before.since } : {}),
    };
    transitions.push(event);
    state[status.name] = {
      ...(before?.lastNotifiedAt ? { lastNotifiedAt: before.lastNotifiedAt } : {}),
      active: status.active,
      since: at,
      summary,
      pending: [...(before?.pending ?? []), event].slice(-MAX_PENDING),
    };
  }
  return { state, transitions };
}

/** Every undelivered transition, oldest first. */
export function pendingEvents(state: AlertState): AlertEvent[] {
  return ALERT_NAMES.flatMap((name) => state[name]?.pending ?? []).sort((a, b) =>
    a.at < b.at ? -1 : a.at > b.at ? 1 : ALERT_NAMES.indexOf(a.alert) - ALERT_NAMES.indexOf(b.alert),
  );
}

/** The state with `event` delivered (removed from its alert's outbox). */
export function markDelivered(state: AlertState, event: AlertEvent, now: Date): AlertState {
  const record = state[event.alert];
  if (!record) return state;
  return {
    ...state,
    [event.alert]: {
      ...record,
      pending: record.pending.filter((e) => !(e.at === event.at && e.status === event.status)),
      lastNotifiedAt: now.toISOString(),
    },
  };
}

/** The state with every outbox emptied (no webhook configured: transitions are logged, not queued). */
export function clearPending(state: AlertState): AlertState {
  const cleared: AlertState = {};
  for (const name of ALERT_NAMES) {
    const record = state[name];
    if (record) cleared[name] = { ...record, pending: [] };
  }
  return cleared;
}
