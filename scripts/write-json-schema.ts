import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { WorkflowFile } from "../src/core/workflow/workflow.schema.js";
import { findPackageRoot } from "../src/package-root.js";

/** Where the generated schema lives, relative to the package root; editors find it through the YAML modeline. */
export const JSON_SCHEMA_PATH = "schema/workflow.schema.json";

/**
 * The JSON Schema of `.agents/workflow.yaml`, generated from the zod schema (its descriptions become the
 * editor's hover text). Input mode, so keys with defaults stay optional. Graph rules (unique ids, known
 * `depends_on` targets, no cycles) are not expressible here; `parseWorkflow` checks them.
 */
export function workflowJsonSchemaText(): string {
  const generated = z.toJSONSchema(WorkflowFile, { io: "input", target: "draft-2020-12" });
  const { $schema, ...rest } = generated;
  const schema = {
    $schema,
    $id: "urn:phasegate:workflow-file:1",
    title: "phasegate workflow file (.agents/workflow.yaml)",
    description: "Workflows that phasegate runs on pull requests and issues. See the workflow-file docs.",
    ...rest,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

// Run as `node dist/scripts/write-json-schema.js` (npm run schema): write the file. Imported by tests: do nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = join(findPackageRoot(import.meta.url), JSON_SCHEMA_PATH);
  writeFileSync(file, workflowJsonSchemaText());
  console.log(`wrote ${file}`);
}
