// How the lab scripts reach the cluster. Inside the worker VM: kubectl with the admin kubeconfig passed in
// KUBECONFIG for that process only. On the host: kubectl with .lab/kubeconfig, or, without kubectl on the
// host, kubectl on the control plane through `vagrant ssh`.
import { existsSync } from "node:fs";
import path from "node:path";
import { $, quote, which } from "zx";
import type { LabConfig } from "./lab-config.js";
import { REPO_ROOT } from "./lab-config.js";

export interface KubectlResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface Kubectl {
  /** Human-readable description of how the cluster is reached. */
  readonly via: string;
  /** Runs kubectl; throws with kubectl's message on a non-zero exit unless `nothrow`. */
  run(args: string[], options?: { input?: string; nothrow?: boolean; timeoutMs?: number }): Promise<KubectlResult>;
  /** Runs kubectl with its output streamed to this terminal (logs -f, get -w); resolves to the exit code. */
  stream(args: string[]): Promise<number>;
  /** `kubectl ... -o json`, parsed. */
  json<T>(args: string[]): Promise<T>;
}

type Runner = (
  argv: string[],
  opts: { input?: string; stream?: boolean; timeoutMs?: number },
) => Promise<KubectlResult>;

function makeKubectl(via: string, runner: Runner): Kubectl {
  const kubectl: Kubectl = {
    via,
    async run(args, options = {}) {
      const result = await runner(args, { input: options.input, timeoutMs: options.timeoutMs });
      if (result.exitCode !== 0 && !options.nothrow) {
        const message = (result.stderr || result.stdout).trim().split("\n").slice(-5).join("\n");
        throw new Error(`kubectl ${args.join(" ")} failed (exit ${result.exitCode}): ${message}`);
      }
      return result;
    },
    async stream(args) {
      return (await runner(args, { stream: true })).exitCode;
    },
    async json<T>(args: string[]) {
      return JSON.parse((await kubectl.run([...args, "-o", "json"])).stdout) as T;
    },
  };
  return kubectl;
}

function zxRunner(prefix: (args: string[]) => string[], env: NodeJS.ProcessEnv = process.env): Runner {
  return async (args, { input, stream, timeoutMs }) => {
    const [command, ...rest] = prefix(args);
    const output = await $({
      nothrow: true,
      quiet: !stream,
      input,
      env,
      stdio: stream ? ["inherit", "inherit", "inherit"] : undefined,
      timeout: timeoutMs,
    })`${command} ${rest}`;
    return { stdout: output.stdout, stderr: output.stderr, exitCode: output.exitCode ?? 1 };
  };
}

/** kubectl on this machine with KUBECONFIG from the environment (the deploy inside the worker VM). */
export function localKubectl(): Kubectl {
  if (!process.env.KUBECONFIG)
    throw new Error("KUBECONFIG is not set (provision/deploy.sh passes the admin kubeconfig)");
  return makeKubectl(
    `kubectl (KUBECONFIG=${process.env.KUBECONFIG})`,
    zxRunner((args) => ["kubectl", ...args]),
  );
}

/** kubectl for the day-2 scripts on the host: .lab/kubeconfig if kubectl is installed, else `vagrant ssh`. */
export async function hostKubectl(config: LabConfig): Promise<Kubectl> {
  const kubeconfig = path.join(REPO_ROOT, config.paths.sharedDir, "kubeconfig");
  const hasKubectl = (await which("kubectl", { nothrow: true })) !== null;
  if (hasKubectl && existsSync(kubeconfig)) {
    return makeKubectl(
      `kubectl (KUBECONFIG=${path.relative(process.cwd(), kubeconfig) || kubeconfig})`,
      zxRunner((args) => ["kubectl", ...args], { ...process.env, KUBECONFIG: kubeconfig }),
    );
  }
  if ((await which("vagrant", { nothrow: true })) === null) {
    throw new Error(
      `no way to reach the lab: install kubectl (it uses ${kubeconfig}) or run from the directory with the Vagrantfile`,
    );
  }
  const cp = config.nodes.controlPlane.name;
  return makeKubectl(
    `vagrant ssh ${cp} -c kubectl`,
    zxRunner((args) => ["vagrant", "ssh", cp, "-c", ["kubectl", ...args].map((a) => quote(a)).join(" ")], {
      ...process.env,
      VAGRANT_CWD: REPO_ROOT,
    }),
  );
}
