import { describe, expect, it } from "vitest";
import { decidePromotion, type DecisionInput } from "../../jobs/train/decision.js";
import { METRIC_IDS, higherIsBetter } from "../../jobs/train/metrics.js";

const base: DecisionInput = {
  metric: "roc_auc",
  margin: 0.005,
  challenger: { version: "5", score: 0.56 },
  alwaysUp: 0.5,
  champion: { kind: "rescored", version: "4", score: 0.55 },
};

const decide = (change: Partial<DecisionInput>) => decidePromotion({ ...base, ...change });

describe("decidePromotion: no champion yet", () => {
  it("when there is no champion, then the challenger is promoted as bootstrap, even below the baseline", () => {
    const good = decide({ champion: { kind: "none" } });
    expect(good).toMatchObject({ promote: true, outcome: "bootstrap" });
    expect(good.reason).toContain("beats the always-UP baseline 0.5000");
    const weak = decide({ champion: { kind: "none" }, challenger: { version: "1", score: 0.45 } });
    expect(weak).toMatchObject({ promote: true, outcome: "bootstrap" });
    expect(weak.reason).toContain("does not beat the always-UP baseline");
  });

  it("when there is no champion and the metric is undefined, then the challenger is still the first champion", () => {
    expect(
      decide({ champion: { kind: "none" }, challenger: { version: "1", score: null }, alwaysUp: null }),
    ).toMatchObject({
      promote: true,
      outcome: "bootstrap",
    });
  });
});

describe("decidePromotion: a champion the code can no longer use", () => {
  it("when the champion's feature spec is not the code's, then the challenger replaces it whatever its score", () => {
    const champion = {
      kind: "incompatible",
      version: "4",
      detail: "incompatible feature spec: version 2 vs 1",
    } as const;
    const weak = decide({ champion, challenger: { version: "5", score: 0.45 }, margin: 1000 });
    expect(weak).toMatchObject({ promote: true, outcome: "replaces_incompatible_champion" });
    expect(weak.reason).toBe(
      "champion v4 cannot be served or re-scored by this code (incompatible feature spec: version 2 vs 1): " +
        "v5 replaces it; roc_auc (higher is better) 0.4500, does not beat the always-UP baseline 0.5000",
    );
  });
});

describe("decidePromotion: challenger versus champion re-scored on the same window", () => {
  it("when the challenger beats the champion by more than the margin and beats always-UP, then it is promoted", () => {
    const decision = decide({});
    expect(decision).toMatchObject({ promote: true, outcome: "beats_champion" });
    expect(decision.reason).toBe(
      "v5 roc_auc (higher is better) 0.5600 vs champion v4 0.5500 (+0.0100 > margin 0.005) and beats the always-UP baseline 0.5000",
    );
  });

  it("when the gain equals the margin exactly, then it is not promoted (it must be MORE than the margin)", () => {
    const decision = decide({ challenger: { version: "5", score: 0.555 } });
    expect(decision).toMatchObject({ promote: false, outcome: "not_better_than_champion" });
    expect(decision.reason).toContain("not better by more than the margin 0.005");
  });

  it("when the gain is just above the margin, then it is promoted", () => {
    expect(decide({ challenger: { version: "5", score: 0.5551 } })).toMatchObject({ promote: true });
  });

  it("when the challenger is worse than the champion, then it is not promoted", () => {
    expect(decide({ challenger: { version: "5", score: 0.52 } })).toMatchObject({
      promote: false,
      outcome: "not_better_than_champion",
    });
  });

  it("when both score the same and the margin is 0, then it is not promoted (a tie never moves the alias)", () => {
    expect(decide({ margin: 0, challenger: { version: "5", score: 0.55 } })).toMatchObject({ promote: false });
  });

  it("when the margin is 0 and the challenger is better by a hair, then it is promoted", () => {
    expect(decide({ margin: 0, challenger: { version: "5", score: 0.5501 } })).toMatchObject({ promote: true });
  });

  it("when the challenger beats the champion but not always-UP, then it is not promoted", () => {
    const decision = decide({
      challenger: { version: "5", score: 0.49 },
      champion: { kind: "rescored", version: "4", score: 0.4 },
    });
    expect(decision).toMatchObject({ promote: false, outcome: "not_better_than_baseline" });
    expect(decision.reason).toContain("beats the champion but not the always-UP baseline 0.5000");
  });

  it("when the challenger only ties always-UP, then it is not promoted", () => {
    expect(
      decide({ challenger: { version: "5", score: 0.5 }, champion: { kind: "rescored", version: "4", score: 0.4 } }),
    ).toMatchObject({ promote: false, outcome: "not_better_than_baseline" });
  });

  it.each([
    ["challenger", { challenger: { version: "5", score: null } }],
    ["champion", { champion: { kind: "rescored" as const, version: "4", score: null } }],
    ["baseline", { alwaysUp: null }],
  ])("when the %s score is undefined on the window, then nothing is promoted", (_, change) => {
    const decision = decide(change);
    expect(decision).toMatchObject({ promote: false, outcome: "not_comparable" });
    expect(decision.reason).toContain("undefined on the evaluation window");
  });
});

describe("decidePromotion: metrics where lower is better", () => {
  it("when the challenger's log loss is lower by more than the margin, then it is promoted", () => {
    const decision = decide({
      metric: "log_loss",
      margin: 0.01,
      challenger: { version: "5", score: 0.68 },
      alwaysUp: 17,
      champion: { kind: "rescored", version: "4", score: 0.7 },
    });
    expect(decision).toMatchObject({ promote: true, outcome: "beats_champion" });
    expect(decision.reason).toContain("log_loss (lower is better)");
    expect(decision.reason).toContain("+0.0200");
  });

  it("when the challenger's Brier score is higher, then it is not promoted", () => {
    expect(
      decide({
        metric: "brier",
        margin: 0,
        challenger: { version: "5", score: 0.26 },
        alwaysUp: 0.49,
        champion: { kind: "rescored", version: "4", score: 0.25 },
      }),
    ).toMatchObject({ promote: false, outcome: "not_better_than_champion" });
  });

  it("when the challenger's Brier score is lower than the champion's but not than always-UP's, then it is not promoted", () => {
    expect(
      decide({
        metric: "brier",
        margin: 0,
        challenger: { version: "5", score: 0.3 },
        alwaysUp: 0.29,
        champion: { kind: "rescored", version: "4", score: 0.35 },
      }),
    ).toMatchObject({ promote: false, outcome: "not_better_than_baseline" });
  });
});

describe("decidePromotion: every metric, both directions", () => {
  it.each(METRIC_IDS)("when promoting on %s, then better means the metric's own direction", (metric) => {
    const good = higherIsBetter(metric) ? 0.7 : 0.2;
    const bad = higherIsBetter(metric) ? 0.4 : 0.5;
    const baseline = higherIsBetter(metric) ? 0.3 : 0.9;
    const champion = { kind: "rescored" as const, version: "1", score: bad };
    expect(
      decidePromotion({ metric, margin: 0.01, challenger: { version: "2", score: good }, alwaysUp: baseline, champion })
        .promote,
    ).toBe(true);
    expect(
      decidePromotion({
        metric,
        margin: 0.01,
        challenger: { version: "2", score: bad },
        alwaysUp: baseline,
        champion: { ...champion, score: good },
      }).promote,
    ).toBe(false);
  });

  it("when the margin is negative or NaN, then it throws instead of deciding", () => {
    expect(() => decide({ margin: -0.1 })).toThrow("margin must be >= 0");
    expect(() => decide({ margin: Number.NaN })).toThrow("margin must be >= 0");
  });
});
