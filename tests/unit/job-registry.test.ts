import { parseChampionEvents } from "../../lib/registry/names.js";
import { describe, expect, it } from "vitest";
import { parseRegistryArgs } from "../../jobs/registry/args.js";
import { formatVersionTable, type VersionRow } from "../../jobs/registry/commands.js";
import { exitCodeFor, UsageError } from "../../lib/cli.js";
import { EXIT_CODES } from "../../lib/exit-codes.js";

describe("parseRegistryArgs", () => {
  it.each([
    [["list"], { name: "list", limit: 20 }],
    [["list", "--limit", "5"], { name: "list", limit: 5 }],
    [["promote", "7"], { name: "promote", version: "7", limit: 20 }],
    [
      ["promote", "7", "--reason", "better on live data"],
      { name: "promote", version: "7", limit: 20, reason: "better on live data" },
    ],
    [["rollback"], { name: "rollback", limit: 20 }],
    [["rollback", "3"], { name: "rollback", version: "3", limit: 20 }],
    [["--help"], "help"],
  ])("when the arguments are %j, then the command is %j", (argv, expected) => {
    expect(parseRegistryArgs(argv)).toEqual(expected);
  });

  it.each([
    [[], "missing command"],
    [["deploy"], 'unknown command "deploy"'],
    [["promote"], "promote needs a VERSION"],
    [["promote", "v7"], '"v7" is not a version number'],
    [["promote", "0"], '"0" is not a version number'],
    [["rollback", "2", "3"], 'unexpected argument "3"'],
    [["list", "2"], "list takes no version"],
    [["list", "--limit", "many"], "--limit must be a whole number"],
    [["list", "--force"], "Unknown option '--force'"],
  ])("when the arguments are %j, then it is a usage error (exit 2) saying %s", (argv, message) => {
    let error: unknown;
    try {
      parseRegistryArgs(argv);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).toContain("usage: registry <command>");
    expect(exitCodeFor(error)).toBe(EXIT_CODES.badConfig);
  });
});

describe("formatVersionTable", () => {
  const row = (version: string, change: Partial<VersionRow> = {}): VersionRow => ({
    version,
    aliases: [],
    asOf: "2023-09-29",
    primaryMetric: "roc_auc",
    primaryValue: "0.55381234",
    accuracy: "0.536",
    decision: "promoted",
    createdAt: "2026-11-22 08:15",
    ...change,
  });

  it("when versions exist, then one aligned line per version shows aliases, as-of, metrics and decision", () => {
    const text = formatVersionTable("spy-direction", [
      row("2", { aliases: ["champion", "challenger"], decision: "promoted" }),
      row("1", { aliases: ["previous-champion"], primaryValue: undefined, decision: undefined }),
    ]);
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe("spy-direction");
    expect(lines[1]).toMatch(/^VERSION\s+ALIASES\s+AS OF\s+ROC_AUC\s+ACCURACY\s+DECISION\s+CREATED \(UTC\)$/);
    expect(lines[2]).toMatch(
      /^v2\s+champion,challenger\s+2023-09-29\s+0\.5538\s+0\.5360\s+promoted\s+2026-11-22 08:15$/,
    );
    expect(lines[3]).toMatch(/^v1\s+previous-champion\s+2023-09-29\s+-\s+0\.5360\s+-\s+2026-11-22 08:15$/);
    expect(lines[2]!.indexOf("2023-09-29")).toBe(lines[3]!.indexOf("2023-09-29"));
  });

  it("when there are no versions, then it says so", () => {
    expect(formatVersionTable("spy-direction", [])).toBe("spy-direction: no versions yet\n");
  });
});

describe("parseChampionEvents", () => {
  it("when the tag holds events, then they are returned; malformed entries and text are ignored", () => {
    const event = { at: "2026-11-22T08:00:00.000Z", kind: "rollback", from: "5", to: "4", by: "ana", reason: "bad" };
    expect(parseChampionEvents(JSON.stringify([event, { at: 1 }, "x"]))).toEqual([event]);
    expect(parseChampionEvents("not json")).toEqual([]);
    expect(parseChampionEvents(undefined)).toEqual([]);
    expect(parseChampionEvents('{"at":"x"}')).toEqual([]);
  });
});
