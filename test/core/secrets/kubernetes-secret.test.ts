import { expect, test } from "vitest";
import { kubernetesSecretEntries } from "../../../src/core/secrets/kubernetes-secret.js";
import { scanSecrets } from "../../../src/core/secrets/secret-scan.js";
import { addedFile } from "../../fixtures/file-diff.js";

const password = btoa("k8S!vR2#pQ9zL4wT");

test("marks a Secret's data and stringData entries, whatever the order of kind and data", () => {
  const manifest = [
    "apiVersion: v1",
    "data:",
    `  password: ${password}`,
    "kind: Secret",
    "---",
    "kind: ConfigMap",
    "data:",
    "  a: b",
  ];
  expect(kubernetesSecretEntries(manifest)).toEqual(new Map([[2, "kubernetes-secret-data"]]));
});

test("finds a Secret's data value, not the same value in a ConfigMap, on the value's line", () => {
  const secret = [
    "apiVersion: v1",
    "kind: Secret",
    "metadata:",
    "  name: db",
    "data:",
    "  username: YWRtaW4=",
    `  password: ${password}`,
  ];
  const configMap = secret
    .map((l) => l.replace("Secret", "ConfigMap"))
    .map((l) => l.replace("password", "payload"));
  expect(scanSecrets([addedFile("k8s/secret.yaml", secret)]).map((f) => [f.line, f.title])).toEqual([
    [7, "Kubernetes Secret value"],
  ]);
  expect(scanSecrets([addedFile("k8s/config.yaml", configMap)])).toEqual([]);
});
