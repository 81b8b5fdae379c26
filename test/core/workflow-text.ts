import { parseWorkflow } from "../../src/core/workflow/parse-workflow.js";
import { formatWorkflowError } from "../../src/core/workflow/workflow-error.js";

/**
 * A YAML literal without its common indentation, so that line 1 is the first line after the backtick and
 * positions in expected messages can be read off the test source.
 */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((out, s, i) => out + s + (i < values.length ? String(values[i]) : ""), "");
  const lines = text
    .replace(/^\n/, "")
    .replace(/\n[ \t]*$/, "")
    .split("\n");
  const indent = Math.min(
    ...lines.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length),
  );
  return `${lines.map((l) => l.slice(indent)).join("\n")}\n`;
}

/** The formatted errors of a file, or `[]` when it is valid. */
export function errorsOf(
  text: string,
  opts: { templates?: Record<string, string>; allowedModels?: string[]; file?: string } = {},
): string[] {
  const r = parseWorkflow(text, { templates: {}, ...opts });
  return r.ok ? [] : r.errors.map(formatWorkflowError);
}
