// The MLflow container's arguments, checked by the pinned MLflow itself (the project virtualenv has the same
// version as the lab image): the CLI accepts every flag, and its Host-header filter accepts the names the job,
// the API and the browser use and refuses others. One Python process checks every case (importing MLflow ~6 s).
import { existsSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { inClusterTrackingUri, LAB_OBJECTS, REPO_ROOT, type LabConfig } from "../../scripts/lab/lib/lab-config.js";
import { find, getPath, renderedLab, run } from "./helpers/lab.js";

const PYTHON = path.join(REPO_ROOT, ".venv", "bin", "python");

const CHECK = `
import json, sys
import click
from mlflow.cli import server
from mlflow.server.security_utils import is_allowed_host_header
out = []
for case in json.loads(sys.argv[1]):
    try:
        ctx = server.make_context("server", list(case["args"]))
    except click.exceptions.ClickException as e:
        out.append({"error": e.format_message()})
        continue
    allowed = [h.strip() for h in (ctx.params["allowed_hosts"] or "").split(",") if h.strip()]
    out.append({"params": {k: v for k, v in ctx.params.items() if isinstance(v, (str, int, bool)) or v is None},
                "hosts": {h: bool(is_allowed_host_header(allowed, h)) for h in case["hosts"]}})
print(json.dumps(out))
`;

interface CaseResult {
  error?: string;
  params?: Record<string, unknown>;
  hosts?: Record<string, boolean>;
}

let config: LabConfig;
let deployed: CaseResult;
let misspelt: CaseResult;
let inside: string[];
let browser: string[];
const foreign = ["evil.example.com", "mlflow.evil.example.com:5000", "10.244.1.7:5000", "192.168.56.99:30500"];

beforeAll(async () => {
  const lab = await renderedLab();
  config = lab.config;
  if (!existsSync(PYTHON))
    throw new Error(`${PYTHON} is missing: create the project virtualenv with npm run python-env`);
  const container = "spec.template.spec.containers.0";
  const [command, ...args] = getPath(
    find(lab.objects, "Deployment", LAB_OBJECTS.mlflow),
    `${container}.args`,
  ) as string[];
  expect(command).toBe("server");
  const { worker, controlPlane } = config.nodes;
  inside = [new URL(inClusterTrackingUri(config)).host, "mlflow:5000", `mlflow.${config.cluster.namespace}:5000`];
  browser = [worker.ip, controlPlane.ip].map((ip) => `${ip}:${config.cluster.nodePorts.mlflowUi}`);
  const cases = [
    { args, hosts: [...inside, ...browser, ...foreign] },
    { args: ["--artifact-destination=/x"], hosts: [] },
  ];
  const result = run(PYTHON, ["-c", CHECK, JSON.stringify(cases)], {
    env: { ...process.env, MLFLOW_BACKEND_STORE_URI: "sqlite:///unused.db" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (result.status !== 0)
    throw new Error(`the MLflow check failed: ${result.stderr.trim().split("\n").slice(-3).join(" ")}`);
  [deployed, misspelt] = JSON.parse(result.stdout.trim().split("\n").pop() ?? "[]") as [CaseResult, CaseResult];
}, 120_000);

describe("MLflow server arguments (checked by the pinned MLflow)", () => {
  test("when MLflow parses the Deployment's arguments, then every flag is known and artifacts are proxied", () => {
    expect(deployed.error).toBeUndefined();
    expect(deployed.params).toMatchObject({
      host: "0.0.0.0",
      port: 5000,
      artifacts_destination: "/mlflow/artifacts",
      serve_artifacts: true,
      default_artifact_root: null,
    });
  });

  test("when Host headers are checked, then the in-cluster names and node IPs pass and others are refused", () => {
    for (const host of [...inside, ...browser]) expect(deployed.hosts?.[host], host).toBe(true);
    for (const host of foreign) expect(deployed.hosts?.[host], host).toBe(false);
  });

  test("when an argument is misspelt, then MLflow's CLI rejects it (the check is live)", () => {
    expect(misspelt.error).toMatch(/No such option/);
  });
});
