import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** Who and what ran the job: recorded as MLflow run tags and in the model bundle. */
export interface RunContext {
  /** package.json version of this code. */
  codeVersion: string;
  /** Full git commit hash, when known. */
  gitCommit: string | undefined;
  /** MLflow's `mlflow.user`. */
  user: string;
  /** MLflow's `mlflow.source.name`. */
  sourceName: string;
}

const run = promisify(execFile);
const PACKAGE_NAME = "spy-mlops-lab";

/** The project's package.json version, found by walking up from this module (works from jobs/ and dist/jobs/). */
export async function codeVersion(from: string = path.dirname(fileURLToPath(import.meta.url))): Promise<string> {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === PACKAGE_NAME && pkg.version) return pkg.version;
    } catch {
      // no (readable) package.json here: keep walking up
    }
    if (path.dirname(dir) === dir) return "unknown";
  }
}

/** GIT_COMMIT if given, else `git rev-parse HEAD` in the code's folder when git and a repository are there. */
export async function gitCommit(fromEnv: string | undefined): Promise<string | undefined> {
  if (fromEnv) return fromEnv.toLowerCase();
  try {
    const { stdout } = await run("git", ["rev-parse", "HEAD"], {
      cwd: path.dirname(fileURLToPath(import.meta.url)),
      timeout: 5_000,
    });
    const hash = stdout.trim();
    return /^[0-9a-f]{40}$/.test(hash) ? hash : undefined;
  } catch {
    return undefined;
  }
}

/** The OS user running the job (USER/LOGNAME, else the account name), or a fixed name in a container without one. */
export function currentUser(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env.USER ?? env.LOGNAME;
  if (fromEnv) return fromEnv;
  try {
    return os.userInfo().username || "spy-mlops-lab";
  } catch {
    return "spy-mlops-lab";
  }
}

export async function runContext(gitCommitFromEnv: string | undefined): Promise<RunContext> {
  return {
    codeVersion: await codeVersion(),
    gitCommit: await gitCommit(gitCommitFromEnv),
    user: currentUser(),
    sourceName: "jobs/train/main.ts",
  };
}
