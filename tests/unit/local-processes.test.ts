import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatChildLine, LabOutput, Supervisor } from "../../scripts/local/processes.js";
import { repoRoot } from "../helpers/data.js";

// A tiny child program with a few behaviours, so supervision is tested on real processes.
const CHILD = `
import { spawn } from "node:child_process";
const mode = process.argv[2];
const forever = () => setInterval(() => {}, 1000);
if (mode === "tree") {
  const grandchild = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  console.log("grandchild " + grandchild.pid);
  forever();
} else if (mode === "stubborn") {
  process.on("SIGTERM", () => console.log("ignoring SIGTERM"));
  console.log("ready");
  forever();
} else if (mode === "output") {
  process.stdout.write("hel");
  setTimeout(() => {
    process.stdout.write("lo\\n" + JSON.stringify({ level: 40, time: 1, pid: 1, msg: "careful", n: 1 }) + "\\n");
    process.stderr.write("on stderr\\nno newline at the end");
  }, 100);
} else if (mode === "exit") {
  process.exit(3);
}
`;

let dir: string;
let childScript: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "local-processes-"));
  childScript = path.join(dir, "child.mjs");
  await writeFile(childScript, CHILD);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(20);
  }
}

function supervisor(name: string): { supervisor: Supervisor; terminal: string[] } {
  const terminal: string[] = [];
  const stream = new PassThrough();
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => terminal.push(...chunk.split("\n").filter(Boolean)));
  return { supervisor: new Supervisor(new LabOutput(stream, ["lab", "child"]), path.join(dir, name)), terminal };
}

describe("child-process supervision", () => {
  it("when a child that forked a grandchild is stopped, then no process of its group is left", async () => {
    const { supervisor: sup } = supervisor("tree");
    let grandchild = 0;
    const child = sup.spawn({
      name: "child",
      command: process.execPath,
      args: [childScript, "tree"],
      onLine: (line) => (grandchild = Number(/^grandchild (\d+)$/.exec(line)?.[1] ?? grandchild)),
    });
    await waitFor(() => grandchild > 0);
    expect(alive(grandchild)).toBe(true);
    const status = await child.stop(5_000);
    expect(status.signal).toBe("SIGTERM");
    expect(alive(child.pid)).toBe(false);
    expect(alive(grandchild)).toBe(false);
    expect(sup.running()).toEqual([]);
    await sup.closeLogs();
  });

  it("when a child ignores SIGTERM, then it is killed with SIGKILL after the grace period", async () => {
    const { supervisor: sup } = supervisor("stubborn");
    let ready = false;
    const child = sup.spawn({
      name: "child",
      command: process.execPath,
      args: [childScript, "stubborn"],
      onLine: (line) => (ready ||= line === "ready"),
    });
    await waitFor(() => ready);
    const status = await child.stop(300);
    expect(status.signal).toBe("SIGKILL");
    expect(child.tail()).toContain("ignoring SIGTERM");
    expect(alive(child.pid)).toBe(false);
    await sup.closeLogs();
  });

  it("when a child writes partial lines on stdout and stderr, then the terminal gets whole prefixed lines and the log the raw ones", async () => {
    const { supervisor: sup, terminal } = supervisor("output");
    const child = sup.spawn({ name: "child", command: process.execPath, args: [childScript, "output"] });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(terminal).toContain("child | hello");
    expect(terminal).toContain("child | WARN  careful n=1");
    expect(terminal).toContain("child | on stderr");
    expect(terminal).toContain("child | no newline at the end");
    await sup.closeLogs();
    const log = await readFile(child.logFile, "utf8");
    expect(log).toContain("hello\n");
    expect(log).toContain('{"level":40,"time":1,"pid":1,"msg":"careful","n":1}\n');
    expect(log).toMatch(/=== .* child ended: exit code 0/);
  });

  it("when a child exits on its own, then its exit code is reported and it is no longer running", async () => {
    const { supervisor: sup } = supervisor("exit");
    const child = sup.spawn({ name: "child", command: process.execPath, args: [childScript, "exit"] });
    expect(await child.exited).toEqual({ code: 3, signal: null });
    expect(child.running()).toBe(false);
    await sup.closeLogs();
  });

  it("when the supervising process exits without stopping its children, then none is left (no orphan)", async () => {
    const parent = path.join(dir, "parent.ts");
    await writeFile(
      parent,
      [
        `import { LabOutput, Supervisor } from ${JSON.stringify(path.join(repoRoot, "scripts/local/processes.ts"))};`,
        `const sup = new Supervisor(new LabOutput(process.stdout, ["child"]), ${JSON.stringify(path.join(dir, "orphan"))});`,
        `sup.spawn({ name: "child", command: process.execPath, args: [${JSON.stringify(childScript)}, "tree"],`,
        `  echo: false, onLine: (line) => { console.log("child " + process.pid + " " + line); process.exit(0); } });`,
      ].join("\n"),
    );
    const run = spawn(process.execPath, ["--import", "tsx", parent], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    run.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    run.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise((resolve) => run.once("exit", resolve));
    expect(code, out).toBe(0);
    const grandchild = Number(/grandchild (\d+)/.exec(out)?.[1]);
    expect(grandchild).toBeGreaterThan(0);
    await waitFor(() => !alive(grandchild), 5_000);
  });
});

describe("formatting child output", () => {
  it("when a line is pino JSON, then it shows level, message and extras; other lines are unchanged", () => {
    expect(formatChildLine('{"level":30,"time":5,"pid":9,"hostname":"h","name":"api","msg":"ready","port":1}')).toBe(
      "INFO  ready port=1",
    );
    expect(formatChildLine('{"level":50,"msg":"boom","err":{"code":"X"}}')).toBe('ERROR boom err={"code":"X"}');
    expect(formatChildLine("plain text")).toBe("plain text");
    expect(formatChildLine("{not json")).toBe("{not json");
    expect(formatChildLine('{"no":"msg"}')).toBe('{"no":"msg"}');
  });
});
