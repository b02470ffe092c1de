import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Root of the repository (scripts/lib/ is two levels down). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The project virtualenv and the requirements it is built from. */
export const DEFAULT_VENV_DIR = path.join(repoRoot, ".venv");
export const DEFAULT_REQUIREMENTS = path.join(repoRoot, "requirements.txt");

/** File inside the virtualenv holding the hash of the requirements it was built from. */
const STAMP_FILE = ".requirements.sha256";

export interface PythonEnvOptions {
  venvDir?: string;
  requirementsFile?: string;
  /** Interpreter used to create the virtualenv (default $PYTHON or python3). */
  python?: string;
  /** Where progress lines go (default stderr). */
  log?: (line: string) => void;
}

export interface PythonEnv {
  venvDir: string;
  python: string;
  mlflow: string;
  /** True when this call created or updated the virtualenv. */
  changed: boolean;
}

/** The Python tools failed: the message says what to do. */
export class PythonEnvError extends Error {
  override readonly name = "PythonEnvError";
}

/** Paths of the interpreter and the `mlflow` command inside a virtualenv. */
export function venvPaths(venvDir: string = DEFAULT_VENV_DIR): { python: string; mlflow: string } {
  return { python: path.join(venvDir, "bin", "python"), mlflow: path.join(venvDir, "bin", "mlflow") };
}

/** SHA-256 of the requirements file's content. */
export async function requirementsHash(requirementsFile: string = DEFAULT_REQUIREMENTS): Promise<string> {
  return createHash("sha256")
    .update(await readFile(requirementsFile))
    .digest("hex");
}

/**
 * Makes sure the virtualenv exists with the pinned requirements installed. Idempotent and fast when nothing
 * changed: the hash of requirements.txt is stored in the virtualenv and compared first. pip honours PIP_CACHE_DIR
 * (CI caches it). The stamp is written only after a successful install, so an interrupted install is redone.
 */
export async function ensurePythonEnv(options: PythonEnvOptions = {}): Promise<PythonEnv> {
  const venvDir = path.resolve(options.venvDir ?? DEFAULT_VENV_DIR);
  const requirementsFile = path.resolve(options.requirementsFile ?? DEFAULT_REQUIREMENTS);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { python, mlflow } = venvPaths(venvDir);
  const stampFile = path.join(venvDir, STAMP_FILE);

  if (!existsSync(requirementsFile)) throw new PythonEnvError(`requirements file not found: ${requirementsFile}`);
  const wanted = await requirementsHash(requirementsFile);
  const current = await readFile(stampFile, "utf8").then(
    (text) => text.trim(),
    () => undefined,
  );
  if (current === wanted && existsSync(python) && existsSync(mlflow)) {
    return { venvDir, python, mlflow, changed: false };
  }

  if (!existsSync(python) || !(await runs(python, ["-c", "import sys"]))) {
    const basePython = options.python ?? process.env.PYTHON ?? "python3";
    await checkBasePython(basePython);
    log(`python-env: creating the virtualenv ${venvDir}`);
    await rm(venvDir, { recursive: true, force: true });
    await run(
      basePython,
      ["-m", "venv", venvDir],
      log,
      "create the virtualenv (on Debian: apt-get install python3-venv)",
    );
  }

  await rm(stampFile, { force: true });
  log(`python-env: installing ${path.relative(process.cwd(), requirementsFile) || requirementsFile} into ${venvDir}`);
  const quiet = process.stderr.isTTY ? [] : ["--quiet"];
  await run(
    python,
    ["-m", "pip", "install", "--disable-pip-version-check", ...quiet, "-r", requirementsFile],
    log,
    "install the Python requirements (network to PyPI needed; PIP_CACHE_DIR is used if set)",
  );
  if (!existsSync(mlflow)) throw new PythonEnvError(`pip finished but ${mlflow} is missing: check ${requirementsFile}`);
  await writeFile(stampFile, `${wanted}\n`);
  log("python-env: ready");
  return { venvDir, python, mlflow, changed: true };
}

async function checkBasePython(python: string): Promise<void> {
  const version = await capture(python, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).catch(
    (error: unknown) => {
      throw new PythonEnvError(
        `${python} was not found or does not run (${(error as Error).message}): install Python 3.10 or newer ` +
          `with venv (Debian: apt-get install python3 python3-venv) or set PYTHON to an interpreter`,
      );
    },
  );
  const [major = 0, minor = 0] = version.trim().split(".").map(Number);
  if (major < 3 || (major === 3 && minor < 10)) {
    throw new PythonEnvError(`${python} is Python ${version.trim()}; MLflow 3 needs Python 3.10 or newer`);
  }
}

/** Runs a command with its output on stderr (stdout stays the caller's result). */
function run(command: string, args: string[], log: (line: string) => void, purpose: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    const forward = (chunk: Buffer): void => {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim() !== "") log(`  ${line}`);
    };
    child.stdout.on("data", forward);
    child.stderr.on("data", forward);
    child.on("error", (error) => reject(new PythonEnvError(`could not ${purpose}: ${error.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new PythonEnvError(`could not ${purpose}: ${command} exited with ${code ?? signal}`));
    });
  });
}

function capture(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(err.trim() || `exit code ${code}`))));
  });
}

function runs(command: string, args: string[]): Promise<boolean> {
  return capture(command, args).then(
    () => true,
    () => false,
  );
}
