/** A key path into the workflow file, e.g. `["workflows", "delivery", "phases", "merge", "steps", 0, "uses"]`. */
export type WorkflowPath = (string | number)[];

/** One problem with a workflow file, at the line and column (1-based) of the offending YAML node. */
export interface WorkflowError {
  file: string;
  line: number;
  col: number;
  /** Says what was expected and names its context: `step "merge": unknown kind "merg" (expected one of …)`. */
  message: string;
  /** Where in the data; `[]` for problems with the file as a whole. */
  path: WorkflowPath;
}

/**
 * A problem found on the data, before it is given a position. `at: "key"` points at the key of the node at `path`
 * (an unknown key, a workflow id) rather than at its value.
 */
export interface Problem {
  readonly path: WorkflowPath;
  readonly message: string;
  readonly at?: "key" | "value";
  /** A character offset into the string value at `path` (a place inside an `if:` expression). */
  readonly within?: number;
}

/**
 * The one-line form used by the CLI and in logs.
 *
 * @example formatWorkflowError(e) // '.agents/workflow.yaml:14:9 step "merge": unknown kind "merg" (expected one of …)'
 */
export function formatWorkflowError(e: WorkflowError): string {
  return `${e.file}:${e.line}:${e.col} ${e.message}`;
}

/** By line, then column; stable otherwise. Drops exact duplicates, which overlapping checks can produce. */
export function sortWorkflowErrors(errors: readonly WorkflowError[]): WorkflowError[] {
  const seen = new Set<string>();
  const unique = errors.filter((e) => {
    const key = formatWorkflowError(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) => a.line - b.line || a.col - b.col);
}
