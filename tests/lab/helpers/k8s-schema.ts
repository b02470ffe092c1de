// Two schema checks of rendered Kubernetes objects, both offline, both from kubernetes-models 5.x
// (Kubernetes v1.36 OpenAPI):
//  1. validateWithModels: the package's precompiled JSON-schema validators (types, enums, required fields).
//     Those schemas allow additional properties, so a misspelt field (`replicass`) passes them.
//  2. findTypeErrors: unknown fields. The package's TypeScript interfaces are generated from the same OpenAPI
//     definitions with every property listed and no index signature (except where Kubernetes has free-form
//     maps such as labels). Each object is emitted as an object literal typed with its interface and
//     type-checked with the TypeScript compiler, whose excess-property check rejects every field the schema
//     does not define, at any depth; wrong types and enum values fail there too.
import path from "node:path";
import ts from "typescript";
import type { K8sObject } from "../../../scripts/lab/lib/manifests.js";
import { REPO_ROOT } from "../../../scripts/lab/lib/lab-config.js";

export const describeObject = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;

const modulePath = (o: K8sObject): string => `kubernetes-models/${o.apiVersion}/${o.kind}`;

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/** Schema errors per object (empty when all validate); an object whose apiVersion/kind has no model is an error. */
export async function validateWithModels(objects: K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    let Model: ModelClass | undefined;
    try {
      const mod = (await import(modulePath(object))) as Record<string, ModelClass | undefined>;
      Model = mod[object.kind];
    } catch {
      Model = undefined;
    }
    if (!Model) {
      problems.push(`${describeObject(object)}: no kubernetes-models schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      const details = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
      const text = details?.map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`).join("; ");
      problems.push(`${describeObject(object)}: ${text ?? (error as Error).message}`);
    }
  }
  return problems;
}

/** Unknown fields (and type errors) per object, from the TypeScript compiler over the models' interfaces. */
export function findTypeErrors(objects: K8sObject[]): string[] {
  const fileName = path.join(REPO_ROOT, "tests/lab/.k8s-objects.typecheck.ts");
  const lines: string[] = [];
  const ranges: { start: number; end: number; label: string }[] = [];
  let offset = 0;
  const push = (line: string): void => {
    lines.push(line);
    offset += line.length + 1;
  };
  objects.forEach((object, i) => push(`import type { I${object.kind} as T${i} } from "${modulePath(object)}";`));
  objects.forEach((object, i) => {
    const start = offset;
    push(`export const o${i}: T${i} = ${JSON.stringify(object, null, 2)};`);
    ranges.push({ start, end: offset, label: describeObject(object) });
  });
  const source = lines.join("\n");

  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: [],
  };
  const base = ts.createCompilerHost(options);
  const host: ts.CompilerHost = {
    ...base,
    getSourceFile: (name, languageVersion, ...rest) =>
      name === fileName
        ? ts.createSourceFile(name, source, languageVersion, true)
        : base.getSourceFile(name, languageVersion, ...rest),
    fileExists: (name) => name === fileName || base.fileExists(name),
    readFile: (name) => (name === fileName ? source : base.readFile(name)),
  };
  const program = ts.createProgram([fileName], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => !d.file || d.file.fileName === fileName)
    .map((d) => {
      const label =
        ranges.find((r) => d.start !== undefined && d.start >= r.start && d.start < r.end)?.label ?? "(file)";
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return `${label}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, " ")} (line ${line})`;
    });
}
