import { describe, expect, test } from "vitest";
import { copy, find, renderedBase, renderedLab, setPath } from "./helpers/lab.js";
import { findTypeErrors, validateWithModels } from "./helpers/k8s-schema.js";

describe("k8s/ rendered (kubectl kustomize) and validated against the Kubernetes v1.36 schemas", () => {
  test("when k8s/ is built as is, then kustomize succeeds and yields the lab's objects", async () => {
    const base = await renderedBase();
    const kinds = base.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        "Namespace/spy-mlops",
        "StorageClass/lab-local",
        "StatefulSet/postgres",
        "Deployment/mlflow",
        "Service/mlflow",
        "CronJob/training",
        "CronJob/monitor",
        "Deployment/api",
        "Service/api",
        "PodDisruptionBudget/api",
        "NetworkPolicy/default-deny-all",
      ]),
    );
  });

  test("when every object of the deployed rendering is validated with kubernetes-models, then none fails", async () => {
    const { objects } = await renderedLab();
    expect(objects.length).toBeGreaterThan(15);
    expect(await validateWithModels(objects)).toEqual([]);
  });

  test("when every object is type-checked against the models' interfaces, then no field is unknown", async () => {
    const { objects } = await renderedLab();
    expect(findTypeErrors(objects)).toEqual([]);
  });

  test("when fields are misspelt at any depth, then the unknown-field check names each broken object", async () => {
    const broken = copy((await renderedLab()).objects);
    setPath(find(broken, "Deployment", "api"), "spec.replicass", 2);
    setPath(find(broken, "CronJob", "training"), "spec.jobTemplate.spec.backofLimit", 2);
    setPath(find(broken, "StatefulSet", "postgres"), "spec.template.spec.containers.0.imagee", "x");
    const errors = findTypeErrors(broken).join("\n");
    expect(errors).toMatch(/Deployment\/api: TS2353 .*'"?replicass"?'/);
    expect(errors).toMatch(/CronJob\/training: TS2353 .*backofLimit.*IJobSpec/);
    expect(errors).toMatch(/StatefulSet\/postgres: .*imagee/);
  });

  test("when an enum or a required field is wrong, then the models' validators report it", async () => {
    const broken = copy((await renderedLab()).objects);
    setPath(find(broken, "CronJob", "training"), "spec.concurrencyPolicy", "Forbidden");
    setPath(find(broken, "Deployment", "mlflow"), "spec.selector", undefined);
    const errors = (await validateWithModels(broken)).join("\n");
    expect(errors).toMatch(/CronJob\/training: \/spec\/concurrencyPolicy must be equal to one of the allowed values/);
    expect(errors).toMatch(/Deployment\/mlflow: .*selector/);
  });

  test("when an object has a kind without a schema, then validation fails instead of skipping it", async () => {
    const broken = copy((await renderedLab()).objects);
    setPath(find(broken, "Service", "api"), "kind", "Servise");
    expect((await validateWithModels(broken)).join("\n")).toMatch(/no kubernetes-models schema for v1 Servise/);
  });
});
