import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { loadLabConfig, REPO_ROOT } from "../../scripts/lab/lib/lab-config.js";
import { requireTool, run } from "./helpers/lab.js";

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
};

const VAGRANT_INSTALL = "apt-get install --no-install-recommends vagrant (Debian's 2.3.4 is enough to validate)";

/** `vagrant validate --ignore-provider` in `dir` with a throwaway VAGRANT_HOME (no box, no VirtualBox needed). */
function vagrantValidate(dir: string): { status: number; output: string } {
  requireTool("vagrant", VAGRANT_INSTALL);
  const home = tempDir("lab-vagrant-home-");
  const result = run("vagrant", ["validate", "--ignore-provider"], {
    cwd: dir,
    env: {
      ...process.env,
      VAGRANT_HOME: home,
      VAGRANT_CWD: dir,
      // Keep Vagrant's machine state out of the repository.
      VAGRANT_DOTFILE_PATH: path.join(home, "dotfile"),
      VAGRANT_CHECKPOINT_DISABLE: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

/** A copy of what the Vagrantfile reads (itself, lab.config.json, provision/) in a temp dir, to break. */
function vagrantCopy(edit: (vagrantfile: string) => string): string {
  const dir = tempDir("lab-vagrant-");
  cpSync(path.join(REPO_ROOT, "provision"), path.join(dir, "provision"), { recursive: true });
  cpSync(path.join(REPO_ROOT, "lab.config.json"), path.join(dir, "lab.config.json"));
  mkdirSync(path.join(dir, ".vagrant"));
  writeFileSync(path.join(dir, "Vagrantfile"), edit(readFileSync(path.join(REPO_ROOT, "Vagrantfile"), "utf8")));
  return dir;
}

describe("Vagrantfile", () => {
  test("when ruby checks its syntax, then it is OK", () => {
    requireTool("ruby", "apt-get install ruby");
    const result = run("ruby", ["-c", "Vagrantfile"]);
    expect(result.stdout.trim()).toBe("Syntax OK");
  });

  test("when vagrant validates it (provider ignored), then it is valid", () => {
    const result = vagrantValidate(REPO_ROOT);
    expect(result.output).toMatch(/Vagrantfile validated successfully/);
    expect(result.status).toBe(0);
  });

  test("when a config key is misspelt, then vagrant validate fails (the check is live)", () => {
    const dir = vagrantCopy((text) => text.replace("node.vm.hostname =", "node.vm.hostnme ="));
    const result = vagrantValidate(dir);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/hostnme/);
  });

  test("when a provisioner script is missing, then vagrant validate fails", () => {
    const dir = vagrantCopy((text) => text.replace('"provision/wait.sh"', '"provision/no-such-script.sh"'));
    const result = vagrantValidate(dir);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/no-such-script\.sh/);
  });

  test("when git's ignore list is read, then the shared .lab/ folder (token, CA hash, kubeconfig) is never committed", () => {
    const ignored = readFileSync(path.join(REPO_ROOT, ".gitignore"), "utf8").split("\n");
    const config = loadLabConfig();
    expect(ignored).toContain(`${config.paths.sharedDir}/`);
    expect(ignored).toContain(".vagrant/");
  });

  test("when it is read, then it takes every value from lab.config.json and orders the provisioners", () => {
    const text = readFileSync(path.join(REPO_ROOT, "Vagrantfile"), "utf8");
    const config = loadLabConfig();
    // No literal IPs, names, versions or sizes: they all come from the JSON.
    for (const literal of [
      config.nodes.controlPlane.ip,
      config.nodes.worker.ip,
      config.box.version,
      config.box.name,
      config.nodes.worker.name,
      String(config.nodes.worker.memoryMb),
    ]) {
      expect(text, literal).not.toContain(literal);
    }
    const order = ["provision/common.sh", "provision/control-plane.sh", "provision/worker.sh", "provision/deploy.sh"];
    const positions = order.map((p) => text.indexOf(`"${p}"`));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(text).toMatch(/provision "wait", type: "shell", path: "provision\/wait\.sh", env: env, run: "always"/);
    expect(text).toMatch(/--timesync-set-threshold/);
    expect(text).toMatch(/synced_folder "\.", LabEnv::GUEST_REPO_DIR, type: "virtualbox"/);
    expect(text).toMatch(/box_version = /);
    expect(text).toMatch(/private_network/);
  });
});
