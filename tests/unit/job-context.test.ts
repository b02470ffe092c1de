import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { codeVersion, currentUser, gitCommit } from "../../jobs/train/context.js";

describe("run context", () => {
  it("when looking for the code version, then it is this project's package.json version", async () => {
    expect(await codeVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("when no package.json of this project is above the folder, then the version is unknown", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "code-version-"));
    try {
      await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "other", version: "9.9.9" }));
      expect(await codeVersion(dir)).toBe("unknown");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("when GIT_COMMIT is given, then it wins over git (lower-cased)", async () => {
    expect(await gitCommit("ABCDEF1234567")).toBe("abcdef1234567");
    const fromGit = await gitCommit(undefined);
    if (fromGit !== undefined) expect(fromGit).toMatch(/^[0-9a-f]{40}$/);
  });

  it("when USER or LOGNAME is set, then that is the user; otherwise the account name", () => {
    expect(currentUser({ USER: "ana", LOGNAME: "bob" })).toBe("ana");
    expect(currentUser({ LOGNAME: "bob" })).toBe("bob");
    expect(currentUser({})).toBe(os.userInfo().username);
  });
});
