import { describe, expect, it } from "vitest";
import {
  applyStatuses,
  clearPending,
  markDelivered,
  MAX_PENDING,
  parseAlertRecord,
  pendingEvents,
  type AlertState,
} from "../../lib/monitoring/alert-state.js";
import type { AlertStatus } from "../../lib/monitoring/alerts.js";
import { ALERT_NAMES, type AlertName } from "../../lib/monitoring/names.js";

const at = (minute: number): Date => new Date(Date.UTC(2026, 10, 24, 15, minute));

/** Every alert inactive except `active`. */
function statuses(active: readonly AlertName[] = [], summary = "measured"): AlertStatus[] {
  return ALERT_NAMES.map((name) => ({ name, active: active.includes(name), summary, value: null, threshold: 0 }));
}

describe("applyStatuses", () => {
  it("when the first check finds nothing active, then nothing is queued", () => {
    const { state, transitions } = applyStatuses({}, statuses(), at(0));
    expect(transitions).toEqual([]);
    expect(pendingEvents(state)).toEqual([]);
    expect(state.model_stale).toMatchObject({ active: false, since: at(0).toISOString() });
  });

  it("when an alert starts, holds and clears, then exactly one firing and one resolved are queued", () => {
    let state: AlertState = {};
    const queued: string[] = [];
    const steps: AlertName[][] = [[], ["model_stale"], ["model_stale"], ["model_stale"], [], []];
    steps.forEach((active, minute) => {
      const result = applyStatuses(state, statuses(active, `check ${minute}`), at(minute));
      state = result.state;
      queued.push(...result.transitions.map((t) => `${t.alert} ${t.status} ${t.summary}`));
    });
    expect(queued).toEqual(["model_stale firing check 1", "model_stale resolved check 4"]);
    const pending = pendingEvents(state);
    expect(pending.map((e) => e.status)).toEqual(["firing", "resolved"]);
    expect(pending[1]).toMatchObject({ startedAt: at(1).toISOString(), at: at(4).toISOString() });
    expect(state.model_stale).toMatchObject({ active: false, since: at(4).toISOString(), summary: "check 5" });
  });

  it("when an alert is already active at the first check, then its start is queued", () => {
    const { transitions } = applyStatuses({}, statuses(["training_failed"]), at(0));
    expect(transitions.map((t) => [t.alert, t.status])).toEqual([["training_failed", "firing"]]);
  });

  it("when transitions keep coming undelivered, then only the newest MAX_PENDING are kept per alert", () => {
    let state: AlertState = {};
    for (let i = 0; i < MAX_PENDING + 4; i++) {
      state = applyStatuses(state, statuses(i % 2 === 0 ? ["model_stale"] : []), at(i)).state;
    }
    const pending = state.model_stale?.pending ?? [];
    expect(pending).toHaveLength(MAX_PENDING);
    expect(pending.at(-1)?.at).toBe(at(MAX_PENDING + 3).toISOString());
  });
});

describe("delivery bookkeeping", () => {
  it("when an event is delivered, then only it leaves the outbox, and pending events come oldest first", () => {
    let state = applyStatuses({}, statuses(["model_stale"]), at(0)).state;
    state = applyStatuses(state, statuses(["model_stale", "training_failed"]), at(1)).state;
    const [first, second] = pendingEvents(state);
    expect([first?.alert, second?.alert]).toEqual(["model_stale", "training_failed"]);
    state = markDelivered(state, first!, at(2));
    expect(pendingEvents(state)).toEqual([second]);
    expect(state.model_stale?.lastNotifiedAt).toBe(at(2).toISOString());
    // A later check keeps the delivery time and queues nothing for a state that holds.
    state = applyStatuses(state, statuses(["model_stale", "training_failed"]), at(3)).state;
    expect(pendingEvents(state)).toEqual([second]);
  });

  it("when no webhook is configured, then clearing drops every queued event but keeps the states", () => {
    const state = clearPending(applyStatuses({}, statuses(["model_stale"]), at(0)).state);
    expect(pendingEvents(state)).toEqual([]);
    expect(state.model_stale?.active).toBe(true);
  });

  it("when a stored record is unreadable, then it is ignored; a valid one round-trips", () => {
    const { state } = applyStatuses({}, statuses(["model_stale"]), at(0));
    expect(parseAlertRecord(JSON.stringify(state.model_stale))).toEqual(state.model_stale);
    expect(parseAlertRecord("{not json")).toBeUndefined();
    expect(parseAlertRecord(JSON.stringify({ active: "yes" }))).toBeUndefined();
    expect(parseAlertRecord(undefined)).toBeUndefined();
  });
});
