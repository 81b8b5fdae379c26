import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { JSON_SCHEMA_PATH, workflowJsonSchemaText } from "../../../scripts/write-json-schema.js";
import { STEP_KINDS } from "../../../src/core/workflow/workflow.schema.js";

const committed = readFileSync(new URL(`../../../${JSON_SCHEMA_PATH}`, import.meta.url), "utf8");

interface JsonSchema {
  $id?: string;
  title?: string;
  description?: string;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  const?: unknown;
}

/** The schema of one step, found through workflows → phases → steps. */
function stepVariants(root: JsonSchema): JsonSchema[] {
  const workflow = root.properties!.workflows!.additionalProperties as JsonSchema;
  const phase = workflow.properties!.phases!.additionalProperties as JsonSchema;
  const step = phase.properties!.steps!.items!;
  return step.oneOf ?? step.anyOf ?? [];
}

describe("schema/workflow.schema.json", () => {
  test("is exactly what the zod schema generates (run `npm run schema` after changing it)", () => {
    expect(committed).toBe(workflowJsonSchemaText());
  });

  const schema = JSON.parse(committed) as JsonSchema;

  test("has an id and a title, and requires version and workflows", () => {
    expect(schema.$id).toBe("urn:phasegate:workflow-file:1");
    expect(schema.title).toContain(".agents/workflow.yaml");
    expect(schema.required).toEqual(["version", "workflows"]);
    expect(schema.additionalProperties).toBe(false);
  });

  test("lists every step kind as a `uses` value, each a closed object requiring id and uses", () => {
    const variants = stepVariants(schema);
    expect(variants.map((v) => v.properties!.uses!.const)).toEqual([...STEP_KINDS]);
    for (const v of variants) {
      expect(v.required).toEqual(expect.arrayContaining(["id", "uses"]));
      expect(v.additionalProperties).toBe(false);
    }
  });

  test("keeps optional keys optional (input mode) and carries the descriptions", () => {
    const review = stepVariants(schema).find((v) => v.properties!.uses!.const === "review")!;
    expect(review.required).toEqual(["id", "uses"]);
    expect(review.properties!.timeout!.description).toMatch(/^Time limit/);
    expect(schema.properties!.version!.description).toBe("Required; only 1 exists.");
    expect(schema.properties!.workflows!.description).toBe("One or more workflows keyed by id.");
  });
});
