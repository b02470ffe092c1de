import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { REPO_ROOT } from "../../scripts/lab/lib/lab-config.js";
import { requireTool, run } from "./helpers/lab.js";

/** Every shell file of the repository: *.sh under provision/ and scripts/, and the CI entry point .ci/run. */
function shellFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith(".sh")) found.push(rel);
    }
  };
  walk("provision");
  walk("scripts");
  found.push(path.join(".ci", "run"));
  return found.sort();
}

const SHELLCHECK_INSTALL = "apt-get install shellcheck (npm's shellcheck downloads a binary and fails offline)";

describe("shell scripts", () => {
  const files = shellFiles();

  test("when the repository is listed, then the provisioning scripts are among the shell files", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "provision/common.sh",
        "provision/control-plane.sh",
        "provision/worker.sh",
        "provision/deploy.sh",
        "provision/wait.sh",
        "provision/lib.sh",
        "provision/render.sh",
        ".ci/run",
      ]),
    );
  });

  test("when shellcheck runs on every shell file (sourced files followed), then it reports nothing", () => {
    requireTool("shellcheck", SHELLCHECK_INSTALL);
    const result = run("shellcheck", ["--external-sources", "--severity=style", ...files]);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  test("when bash parses every shell file, then there is no syntax error", () => {
    for (const file of files) expect(run("bash", ["-n", file]).status, file).toBe(0);
  });

  test("when every provision script starts, then it uses strict mode (set -euo pipefail)", () => {
    const entryPoints = files.filter((f) => f.startsWith("provision/") && !/\/(lib|render)\.sh$/.test(f));
    for (const file of entryPoints) {
      const head = readFileSync(path.join(REPO_ROOT, file), "utf8").split("\n").slice(0, 12).join("\n");
      expect(head, file).toMatch(/^#!\/usr\/bin\/env bash$/m);
      expect(head, file).toMatch(/^set -euo pipefail$/m);
    }
  });

  test("when a tool the checks need is missing, then the check fails and says how to install it", () => {
    expect(() => requireTool("no-such-tool-for-lab-checks", "apt-get install no-such-tool")).toThrow(
      "no-such-tool-for-lab-checks is not installed: apt-get install no-such-tool",
    );
  });

  test("when a script with a classic bug is checked, then shellcheck catches it (the check is live)", () => {
    requireTool("shellcheck", SHELLCHECK_INSTALL);
    const dir = mkdtempSync(path.join(tmpdir(), "lab-shellcheck-"));
    const broken = path.join(dir, "broken.sh");
    writeFileSync(broken, "#!/usr/bin/env bash\nset -euo pipefail\nfiles=$1\nrm -rf $files/*\n");
    const result = run("shellcheck", ["--severity=style", broken]);
    rmSync(dir, { recursive: true, force: true });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(/SC2086|SC2115/);
  });
});
