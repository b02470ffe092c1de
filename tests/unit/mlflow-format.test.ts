import { describe, expect, it } from "vitest";
import { mlmodelTimestamp } from "../../lib/mlflow/mlmodel.js";
import { fromKeyValues, toKeyValues } from "../../lib/mlflow/tags.js";

describe("mlmodelTimestamp", () => {
  it("when a date is formatted, then it is naive UTC with microseconds, as MLflow writes utc_time_created", () => {
    expect(mlmodelTimestamp(new Date("2026-11-22T08:15:02.123Z"))).toBe("2026-11-22 08:15:02.123000");
    expect(mlmodelTimestamp(new Date("2023-01-05T23:59:59.000+02:00"))).toBe("2023-01-05 21:59:59.000000");
  });
});

describe("toKeyValues / fromKeyValues", () => {
  it("when a record is converted, then values become strings and it converts back", () => {
    const list = toKeyValues({ n_estimators: 50, bootstrap: true, name: "rf" });
    expect(list).toEqual([
      { key: "n_estimators", value: "50" },
      { key: "bootstrap", value: "true" },
      { key: "name", value: "rf" },
    ]);
    expect(fromKeyValues(list)).toEqual({ n_estimators: "50", bootstrap: "true", name: "rf" });
  });

  it("when MLflow omitted the list or a value, then the record is empty or the value is empty", () => {
    expect(toKeyValues(undefined)).toEqual([]);
    expect(fromKeyValues(undefined)).toEqual({});
    expect(fromKeyValues([{ key: "note" }, { value: "orphan" }])).toEqual({ note: "" });
  });
});
