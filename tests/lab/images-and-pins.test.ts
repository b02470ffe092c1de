import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import {
  APP_IMAGE_SOURCES,
  appImageBuild,
  imageArchivePath,
  labImageBuilds,
  mlflowImageBuild,
} from "../../scripts/lab/lib/images.js";
import { loadLabConfig, REPO_ROOT, splitImageRef } from "../../scripts/lab/lib/lab-config.js";
import { copy } from "./helpers/lab.js";

const config = loadLabConfig();
const read = (file: string): string => readFileSync(path.join(REPO_ROOT, file), "utf8");
const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Dockerfile instructions (comments dropped, continuation lines joined). */
function instructions(text: string): string[] {
  return text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}

/** The instructions of the last stage (after the last FROM). */
const finalStage = (lines: string[]): string[] =>
  lines.slice(lines.map((l) => l.startsWith("FROM ")).lastIndexOf(true));

describe("the project image (root Dockerfile)", () => {
  const lines = instructions(read("Dockerfile"));

  test("when the Dockerfile is read, then its base is lab.config.json's pinned Node 24 image", () => {
    expect(lines.find((l) => l.startsWith("ARG NODE_IMAGE="))).toBe(`ARG NODE_IMAGE=${config.images.nodeBase}`);
    expect(lines.filter((l) => l.startsWith("FROM ")).every((l) => l.startsWith("FROM ${NODE_IMAGE} AS "))).toBe(true);
    expect(appImageBuild(config).buildArgs).toEqual({ NODE_IMAGE: config.images.nodeBase });
  });

  test("when the stages are read, then the image is compiled, production-only, numeric non-root and node-as-PID-1", () => {
    expect(lines).toContain("RUN npm ci --no-audit --no-fund");
    expect(lines.some((l) => l.startsWith("RUN npx tsc -p tsconfig.build.json"))).toBe(true);
    const final = finalStage(lines);
    expect(final.some((l) => /^RUN npm ci --omit=dev\b/.test(l))).toBe(true);
    expect(final).toContain("COPY --from=build /app/dist ./dist");
    expect(final.filter((l) => l.startsWith("USER "))).toEqual(["USER 1000:1000"]);
    expect(final.find((l) => l.startsWith("CMD "))).toBe('CMD ["node", "dist/api/server.js"]');
    expect(final.some((l) => /\bnpm (start|run)\b/.test(l))).toBe(false);
  });

  test("when the COPY sources are read, then they are exactly what the content hash covers", () => {
    const sources = lines
      .filter((l) => l.startsWith("COPY ") && !l.includes("--from="))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(new Set(sources)).toEqual(new Set(APP_IMAGE_SOURCES));
  });

  test("when .dockerignore is read, then dependencies, local state and data stay out of the context", () => {
    const ignored = read(".dockerignore").split("\n");
    for (const entry of ["**/node_modules", ".git", ".lab", ".vagrant", ".venv", "**/*.csv"])
      expect(ignored).toContain(entry);
  });
});

describe("the MLflow image (provision/images/mlflow/Dockerfile)", () => {
  const lines = instructions(read("provision/images/mlflow/Dockerfile"));

  test("when it is read, then every version is a build argument without default, passed from lab.config.json", () => {
    const args = lines.filter((l) => l.startsWith("ARG ")).map((l) => l.slice(4));
    expect(args.every((a) => !a.includes("="))).toBe(true);
    expect(new Set(args)).toEqual(new Set(Object.keys(mlflowImageBuild(config).buildArgs)));
    expect(mlflowImageBuild(config).buildArgs).toEqual({
      PYTHON_IMAGE: config.images.pythonBase,
      MLFLOW_VERSION: config.versions.mlflow,
      PSYCOPG2_BINARY_VERSION: config.versions.psycopg2Binary,
    });
    expect(
      lines.some((l) =>
        l.includes('pip install "mlflow==${MLFLOW_VERSION}" "psycopg2-binary==${PSYCOPG2_BINARY_VERSION}"'),
      ),
    ).toBe(true);
  });

  test("when it is read, then it runs as the numeric UID that owns the artifacts volume", () => {
    const artifacts = config.storage.volumes.find((v) => v.name === "mlflow-artifacts");
    expect(lines.filter((l) => l.startsWith("USER "))).toEqual([`USER ${artifacts?.uid}:${artifacts?.gid}`]);
  });

  test("when the project's Python requirements are read, then the lab image pins the same MLflow and driver", () => {
    const requirements = read("requirements.txt");
    expect(requirements).toMatch(
      new RegExp(`^mlflow(\\[[a-z,]+\\])?==${config.versions.mlflow.replace(/\./g, "\\.")}$`, "m"),
    );
    expect(requirements).toMatch(
      new RegExp(`^psycopg2-binary==${config.versions.psycopg2Binary.replace(/\./g, "\\.")}$`, "m"),
    );
  });
});

describe("content-hash tags", () => {
  test("when the tags are computed twice, then they are equal, fully qualified and distinct per image", () => {
    const [mlflow, app] = labImageBuilds(config);
    expect(labImageBuilds(config).map((b) => b.ref)).toEqual([mlflow?.ref, app?.ref]);
    expect(app?.ref).toMatch(new RegExp(`^${config.images.app}:[0-9a-f]{16}$`));
    expect(mlflow?.ref).toMatch(new RegExp(`^${config.images.mlflow}:[0-9a-f]{16}$`));
    expect(imageArchivePath(config, app?.ref ?? "")).toBe(
      `${config.paths.imageArchiveDir}/spy-mlops-lab-${app?.tag}.tar`,
    );
  });

  test("when a source file, the Dockerfile or a build argument changes, then the tag changes", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lab-image-tag-"));
    temps.push(dir);
    for (const entry of ["Dockerfile", ".dockerignore", ...APP_IMAGE_SOURCES]) {
      cpSync(path.join(REPO_ROOT, entry), path.join(dir, entry), { recursive: true });
    }
    const before = appImageBuild(config, dir).tag;
    expect(before).toBe(appImageBuild(config).tag);
    writeFileSync(path.join(dir, "lib", "extra-module.ts"), "export const x = 1;\n");
    const afterSource = appImageBuild(config, dir).tag;
    expect(afterSource).not.toBe(before);
    writeFileSync(path.join(dir, "Dockerfile"), `${readFileSync(path.join(dir, "Dockerfile"), "utf8")}\n# changed\n`);
    expect(appImageBuild(config, dir).tag).not.toBe(afterSource);
    const otherBase = copy(config);
    otherBase.images.nodeBase = "docker.io/library/node:24.22.0-bookworm-slim";
    expect(appImageBuild(otherBase).tag).not.toBe(appImageBuild(config).tag);
    const otherMlflow = copy(config);
    otherMlflow.versions.mlflow = "3.17.1";
    expect(mlflowImageBuild(otherMlflow).tag).not.toBe(mlflowImageBuild(config).tag);
  });
});

describe("pinned versions live only in lab.config.json", () => {
  /** Every lab file the pins could leak into. */
  function labFiles(): string[] {
    const files: string[] = ["Vagrantfile", "Dockerfile"];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
        const rel = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(rel);
        else files.push(rel);
      }
    };
    ["provision", "k8s", "scripts/lab"].forEach(walk);
    return files;
  }

  const pins = [
    config.box.version,
    config.versions.kubernetes,
    config.versions.kubernetesDeb,
    config.versions.containerdDeb,
    config.versions.calico,
    config.versions.node,
    config.versions.mlflow,
    config.versions.psycopg2Binary,
    splitImageRef(config.images.postgres).tag,
    splitImageRef(config.images.pythonBase).tag,
    `v${config.versions.kubernetesMinor}`,
  ];

  /** `file: pin` for every pinned version found in a lab file (the Dockerfile's NODE_IMAGE default excepted). */
  function pinLeaks(texts: Map<string, string>): string[] {
    const leaks: string[] = [];
    for (const [file, text] of texts) {
      for (const pin of pins) {
        const occurrences = text.split(pin).length - 1;
        const defaultArg = file === "Dockerfile" && text.includes(`ARG NODE_IMAGE=${config.images.nodeBase}`);
        const permitted = defaultArg && config.images.nodeBase.includes(pin) ? 1 : 0;
        if (occurrences > permitted) leaks.push(`${file}: ${pin}`);
      }
    }
    return leaks;
  }

  test("when the lab files are searched, then no pinned version appears outside lab.config.json", () => {
    const texts = new Map(labFiles().map((f) => [f, read(f)]));
    expect(texts.size).toBeGreaterThan(20);
    expect(pinLeaks(texts)).toEqual([]);
  });

  test("when a pin is copied into a script or manifest, then the search finds it", () => {
    const texts = new Map([
      ["provision/common.sh", `apt-get install kubelet=${config.versions.kubernetesDeb}`],
      ["k8s/base/postgres.yaml", `image: ${config.images.postgres}`],
      ["Dockerfile", `ARG NODE_IMAGE=${config.images.nodeBase}\nRUN echo ${config.versions.node}`],
    ]);
    expect(new Set(pinLeaks(texts))).toEqual(
      new Set([
        `provision/common.sh: ${config.versions.kubernetesDeb}`,
        `provision/common.sh: ${config.versions.kubernetes}`,
        `k8s/base/postgres.yaml: ${splitImageRef(config.images.postgres).tag}`,
        `Dockerfile: ${config.versions.node}`,
      ]),
    );
  });

  test("when the manifests are read, then no image in k8s/ carries a tag (the deploy pins them)", () => {
    const tagged = labFiles()
      .filter((f) => f.startsWith("k8s/"))
      .flatMap((f) => [...read(f).matchAll(/^\s*image:\s*(\S+)/gm)].map((m) => `${f}: ${m[1]}`))
      .filter((entry) => /:[^/]+$/.test(entry.split(": ")[1] ?? ""));
    expect(tagged).toEqual([]);
  });
});
