import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config.js";
import {
  artifactProxyPath,
  artifactStoragePath,
  checkRelativePath,
  formatModelUri,
  joinArtifactUri,
  parseModelUri,
} from "../../lib/mlflow/uris.js";

const RUN = "ab12cd34ef56ab12cd34ef56ab12cd34";

describe("parseModelUri", () => {
  it("when the URI names an alias, then name and alias come out", () => {
    expect(parseModelUri("models:/spy-direction@champion")).toEqual({ name: "spy-direction", alias: "champion" });
    expect(parseModelUri("models:/my model@previous-champion")).toEqual({
      name: "my model",
      alias: "previous-champion",
    });
    expect(parseModelUri("models:/a@b@c")).toEqual({ name: "a@b", alias: "c" });
  });

  it("when the URI names a version, then name and version come out, without leading zeros", () => {
    expect(parseModelUri("models:/spy-direction/4")).toEqual({ name: "spy-direction", version: "4" });
    expect(parseModelUri("models:/spy-direction/007")).toEqual({ name: "spy-direction", version: "7" });
    expect(parseModelUri("models:/spy-direction/0")).toEqual({ name: "spy-direction", version: "0" });
  });

  it.each([
    ["runs:/abc/model", "must start with models:/"],
    ["models://spy@champion", "must start with models:/"],
    ["spy@champion", "must start with models:/"],
    ["models:/", "model name is missing"],
    ["models:/spy", "neither an alias nor a version"],
    ["models:/spy/Production", "not a version number"],
    ["models:/spy/latest", "not a version number"],
    ["models:/spy/1/extra", "too deep"],
    ["models:/spy@", "empty"],
    ["models:/@champion", "empty"],
    ["models:/spy@champion?x=1", "query strings"],
  ])("when the URI is %s, then a ConfigError explains what is wrong and what is expected", (uri, why) => {
    expect(() => parseModelUri(uri)).toThrow(ConfigError);
    expect(() => parseModelUri(uri)).toThrow(why);
    expect(() => parseModelUri(uri)).toThrow('expected "models:/NAME@ALIAS"');
  });

  it("when a reference is formatted, then it parses back to itself", () => {
    for (const uri of ["models:/spy-direction@champion", "models:/spy-direction/12"]) {
      expect(formatModelUri(parseModelUri(uri))).toBe(uri);
    }
  });
});

describe("artifactProxyPath (mlflow-rest.md §5)", () => {
  it("when the root is mlflow-artifacts:/, then the proxy path is the URI path plus the relative path", () => {
    expect(artifactProxyPath(`mlflow-artifacts:/1/${RUN}/artifacts`, "model/MLmodel")).toBe(
      `1/${RUN}/artifacts/model/MLmodel`,
    );
    expect(artifactProxyPath(`mlflow-artifacts:/1/${RUN}/artifacts`)).toBe(`1/${RUN}/artifacts`);
    expect(artifactProxyPath(`mlflow-artifacts:/1/${RUN}/artifacts/`, "model/")).toBe(`1/${RUN}/artifacts/model`);
  });

  it("when the mlflow-artifacts URI has a host and port, then they are dropped", () => {
    expect(artifactProxyPath(`mlflow-artifacts://mlflow:5000/3/${RUN}/artifacts`, "eval/report.json")).toBe(
      `3/${RUN}/artifacts/eval/report.json`,
    );
  });

  it("when the root is an http(s) proxy URL, then the path after the proxy route is used", () => {
    expect(
      artifactProxyPath(`https://host/prefix/api/2.0/mlflow-artifacts/artifacts/2/${RUN}/artifacts`, "model/a b.json"),
    ).toBe(`2/${RUN}/artifacts/model/a%20b.json`);
    expect(artifactProxyPath(`http://h:5000/api/2.0/mlflow-artifacts/artifacts/2/x%20y/artifacts`, "f")).toBe(
      "2/x%20y/artifacts/f",
    );
  });

  it("when segments hold special characters, then each is URL-encoded and slashes are kept", () => {
    expect(artifactProxyPath("mlflow-artifacts:/1/r/artifacts", "plots/acc #1 (50%).png")).toBe(
      "1/r/artifacts/plots/acc%20%231%20(50%25).png",
    );
    expect(artifactStoragePath("mlflow-artifacts:/1/r/artifacts", "plots/acc #1.png")).toBe(
      "1/r/artifacts/plots/acc #1.png",
    );
  });

  it.each([
    "/mlflow/artifacts/1/r/artifacts",
    "file:///mlflow/artifacts/1/r/artifacts",
    "s3://bucket/1/r/artifacts",
    "runs:/r/model",
    "http://host:5000/some/other/path",
  ])("when the root is %s, then it is refused as not proxiable", (uri) => {
    expect(() => artifactProxyPath(uri, "model/MLmodel")).toThrow(ConfigError);
    expect(() => artifactProxyPath(uri, "model/MLmodel")).toThrow(
      "cannot be reached through the MLflow artifact proxy",
    );
  });

  it.each(["/etc/passwd", "../other-run/artifacts", "model/../../x", "model//MLmodel", "./model", "a\\b", "a\0b"])(
    "when the relative path is %j, then it is refused",
    (relative) => {
      expect(() => artifactProxyPath("mlflow-artifacts:/1/r/artifacts", relative)).toThrow("invalid artifact path");
    },
  );
});

describe("joinArtifactUri and checkRelativePath", () => {
  it("when a run-relative path is joined, then the model version source is formed", () => {
    expect(joinArtifactUri(`mlflow-artifacts:/1/${RUN}/artifacts`, "model")).toBe(
      `mlflow-artifacts:/1/${RUN}/artifacts/model`,
    );
    expect(joinArtifactUri("mlflow-artifacts:/1/r/artifacts/", "model/")).toBe("mlflow-artifacts:/1/r/artifacts/model");
    expect(joinArtifactUri("mlflow-artifacts:/1/r/artifacts", "")).toBe("mlflow-artifacts:/1/r/artifacts");
  });

  it("when a path is valid, then it comes back without a trailing slash", () => {
    expect(checkRelativePath("model/")).toBe("model");
    expect(checkRelativePath("")).toBe("");
    expect(checkRelativePath("a.b/c-d_e f")).toBe("a.b/c-d_e f");
  });
});
