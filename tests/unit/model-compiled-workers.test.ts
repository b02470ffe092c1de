import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import ts from "typescript";
import { afterAll, beforeAll, expect, it } from "vitest";
import { trainForest } from "../../lib/model/train.js";
import { repoRoot } from "../helpers/data.js";

// The training workers are separate scripts resolved beside worker-pool's own module: `.ts` under
// tsx/vitest (the other model tests), `.js` once compiled to dist/. This test compiles lib/model and
// what it imports to plain JavaScript and trains with worker threads under bare `node`, as in production.

const run = promisify(execFile);
let outDir: string;

/** Transpiles `entry` and every relative import it reaches into `outDir`, keeping paths. */
async function transpileClosure(entry: string): Promise<void> {
  const pending = [entry];
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const source = await readFile(file, "utf8");
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023, verbatimModuleSyntax: true },
      fileName: file,
    });
    const target = path.join(outDir, path.relative(repoRoot, file)).replace(/\.ts$/, ".js");
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, outputText);
    for (const match of source.matchAll(/from\s+"(\.{1,2}\/[^"]+)\.js"/g))
      pending.push(path.resolve(path.dirname(file), `${match[1]}.ts`));
    for (const match of source.matchAll(/`\.\/(train-[a-z]+\.worker)\$\{extension\}`/g))
      pending.push(path.resolve(path.dirname(file), `${match[1]}.ts`));
  }
}

beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), "model-compiled-"));
  await writeFile(path.join(outDir, "package.json"), JSON.stringify({ type: "module" }));
  await symlink(path.join(repoRoot, "node_modules"), path.join(outDir, "node_modules"));
  await transpileClosure(path.join(repoRoot, "lib/model/train.ts"));
  await transpileClosure(path.join(repoRoot, "lib/model/train-fast.worker.ts"));
  await transpileClosure(path.join(repoRoot, "lib/model/train-mlrf.worker.ts"));
});

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

it("when compiled to JavaScript and run by bare node, then both trainers' worker threads produce the forest trained in-process", async () => {
  const X = Array.from({ length: 120 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7), (i % 11) / 11]);
  const y = X.map((row) => (row[0]! + row[2]! > 0.5 ? 1 : 0));
  const script = `
    import { trainForest } from ${JSON.stringify(path.join(outDir, "lib/model/train.js"))};
    import { readFileSync } from "node:fs";
    const { X, y } = JSON.parse(readFileSync("data.json", "utf8"));
    const fast = await trainForest(X, y, { nEstimators: 12, maxDepth: 4, minSamplesLeaf: 3, threads: 2 });
    const mlrf = await trainForest(X, y, { algorithm: "ml-random-forest", nEstimators: 4, maxDepth: 3, threads: 2 });
    console.log(JSON.stringify({ fast: fast.model, mlrf: mlrf.model }));`;
  await writeFile(path.join(outDir, "data.json"), JSON.stringify({ X, y }));
  await writeFile(path.join(outDir, "run.js"), script);
  const { stdout } = await run(process.execPath, ["run.js"], {
    cwd: outDir,
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  const compiled = JSON.parse(stdout) as { fast: unknown; mlrf: unknown };
  const fast = await trainForest(X, y, { nEstimators: 12, maxDepth: 4, minSamplesLeaf: 3, threads: 1 });
  const mlrf = await trainForest(X, y, { algorithm: "ml-random-forest", nEstimators: 4, maxDepth: 3, threads: 1 });
  expect(compiled.fast).toEqual(fast.model);
  expect(compiled.mlrf).toEqual(mlrf.model);
});
