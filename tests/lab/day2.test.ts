import type { ICronJob } from "kubernetes-models/batch/v1/CronJob";
import { beforeAll, describe, expect, test } from "vitest";
import { UsageError } from "../../lib/cli.js";
import { chooseThreshold, registryArgs } from "../../scripts/lab/lib/args.js";
import { jobFromCronJob, jobOutcome, timestampedName } from "../../scripts/lab/lib/jobs.js";
import { LAB_OBJECTS, labUrls } from "../../scripts/lab/lib/lab-config.js";
import { renderOverlayKustomization, type K8sObject } from "../../scripts/lab/lib/manifests.js";
import { databaseSecrets, GENERATED_SECRETS, monitorAlertsSecret } from "../../scripts/lab/lib/secrets.js";
import { findTypeErrors, validateWithModels } from "./helpers/k8s-schema.js";
import { find, getPath, renderedLab, type RenderedLab } from "./helpers/lab.js";
import { checkImages, checkSecurity } from "./helpers/policies.js";

let lab: RenderedLab;
let cronJob: ICronJob;
beforeAll(async () => {
  lab = await renderedLab();
  cronJob = find(lab.objects, "CronJob", LAB_OBJECTS.trainingCronJob) as unknown as ICronJob;
});

describe("one-off Jobs from the training CronJob", () => {
  test("when a manual training is built with --as-of, then it is the CronJob's job with only the args added", async () => {
    const job = jobFromCronJob(cronJob, {
      name: "training-manual-1",
      trigger: "manual",
      args: ["--as-of", "2024-05-01"],
    });
    const container = job.spec?.template.spec?.containers[0];
    expect(container?.command).toEqual(["node", "dist/jobs/train/main.js"]);
    expect(container?.args).toEqual(["--as-of", "2024-05-01"]);
    expect(job.spec?.backoffLimit).toBe(cronJob.spec?.jobTemplate.spec?.backoffLimit);
    expect(job.spec?.podFailurePolicy).toEqual(cronJob.spec?.jobTemplate.spec?.podFailurePolicy);
    expect(job.metadata?.namespace).toBe(lab.config.cluster.namespace);
    expect(job.spec?.template.metadata?.labels).toMatchObject({
      "app.kubernetes.io/name": "training",
      "lab.spy-mlops/mlflow-client": "true",
      "lab.spy-mlops/trigger": "manual",
    });
    const objects = [job as unknown as K8sObject];
    expect(await validateWithModels(objects)).toEqual([]);
    expect(findTypeErrors(objects)).toEqual([]);
    expect(checkSecurity(objects)).toEqual([]);
    expect(checkImages(objects, lab.expectedImages)).toEqual([]);
  });

  test("when a registry command is built, then the container and its failure policy are renamed together", () => {
    const job = jobFromCronJob(cronJob, {
      name: "registry-rollback-1",
      trigger: "registry",
      container: { name: "registry", command: ["node", "dist/jobs/registry/main.js"] },
      args: ["rollback"],
      backoffLimit: 1,
      activeDeadlineSeconds: 300,
    });
    const container = job.spec?.template.spec?.containers[0];
    expect(container?.name).toBe("registry");
    expect(container?.command).toEqual(["node", "dist/jobs/registry/main.js"]);
    expect(container?.args).toEqual(["rollback"]);
    expect(job.spec?.podFailurePolicy?.rules[0]?.onExitCodes?.containerName).toBe("registry");
    expect([job.spec?.backoffLimit, job.spec?.activeDeadlineSeconds]).toEqual([1, 300]);
    // The CronJob itself is untouched.
    expect(getPath(cronJob, "spec.jobTemplate.spec.template.spec.containers.0.name")).toBe(
      LAB_OBJECTS.trainingContainer,
    );
  });

  test("when a Job has conditions, then its outcome is read from them", () => {
    expect(jobOutcome({ apiVersion: "batch/v1", kind: "Job" })).toBe("running");
    expect(
      jobOutcome({
        apiVersion: "batch/v1",
        kind: "Job",
        status: { conditions: [{ type: "Complete", status: "True" }] },
      }),
    ).toBe("complete");
    expect(
      jobOutcome({
        apiVersion: "batch/v1",
        kind: "Job",
        status: {
          conditions: [
            { type: "FailureTarget", status: "True" },
            { type: "Failed", status: "True" },
          ],
        },
      }),
    ).toBe("failed");
  });

  test("when a name is stamped, then it is a DNS label unique to the second", () => {
    expect(timestampedName("training-manual", new Date("2026-11-23T17:05:09.123Z"))).toBe(
      "training-manual-20261123-170509",
    );
  });
});

describe("day-2 arguments", () => {
  test.each([[["list"]], [["promote", "7"]], [["rollback"]], [["rollback", "5"]]])(
    "when the registry command is %j, then it is passed through",
    (argv) => expect(registryArgs(argv)).toEqual(argv),
  );

  test.each([[[]], [["promote"]], [["promote", "v7"]], [["rollback", "0"]], [["delete", "3"]], [["list", "x"]]])(
    "when the registry command is %j, then it is a usage error",
    (argv) => expect(() => registryArgs(argv)).toThrow(UsageError),
  );

  test("when a threshold is given or not, then a valid one is sent", () => {
    expect(chooseThreshold("0.3")).toBe(0.3);
    expect(chooseThreshold("1")).toBe(1);
    expect(chooseThreshold(undefined, () => 0.4567)).toBe(0.46);
    for (const bad of ["1.5", "-0.1", "abc", "", "0x1", "NaN"]) expect(() => chooseThreshold(bad)).toThrow(UsageError);
  });

  test("when the lab URLs are built, then they are the worker's NodePorts", () => {
    expect(labUrls(lab.config)).toEqual({
      api: "http://192.168.56.21:30951",
      mlflow: "http://192.168.56.21:30500",
      prediction: "http://192.168.56.21:30951/predictionForTomorrow",
    });
  });
});

describe("deploy pieces", () => {
  test("when the overlay is rendered, then it points at k8s/ by relative path and pins the given images", () => {
    const yaml = renderOverlayKustomization("/tmp/overlay-x", "/opt/spy-mlops-lab/k8s", [
      { name: "localhost/a", newTag: "abc" },
    ]);
    expect(yaml).toContain("resources:\n  - ../../opt/spy-mlops-lab/k8s\n");
    expect(yaml).toContain("images:\n  - name: localhost/a\n    newTag: abc\n");
  });

  test("when the database Secrets are generated, then both carry the same password and the in-cluster host", () => {
    const [credentials, backend] = databaseSecrets(lab.config, "0123abcd");
    expect(credentials?.stringData.POSTGRES_PASSWORD).toBe("0123abcd");
    expect(backend?.stringData.MLFLOW_BACKEND_STORE_URI).toBe(
      `postgresql+psycopg2://mlflow:0123abcd@postgres.${lab.config.cluster.namespace}.svc.cluster.local:5432/mlflow`,
    );
    for (const secret of [credentials, backend, monitorAlertsSecret(lab.config)]) {
      const name = secret?.metadata.name ?? "";
      expect(Object.keys(secret?.stringData ?? {}).sort()).toEqual(
        [...GENERATED_SECRETS[name as keyof typeof GENERATED_SECRETS]].sort(),
      );
      expect(secret?.metadata.namespace).toBe(lab.config.cluster.namespace);
    }
  });

  test("when the Secrets the deploy generates are validated, then they are valid Kubernetes Secrets", async () => {
    const secrets = [...databaseSecrets(lab.config, "x"), monitorAlertsSecret(lab.config)] as unknown as K8sObject[];
    expect(await validateWithModels(secrets)).toEqual([]);
    expect(findTypeErrors(secrets)).toEqual([]);
  });
});
