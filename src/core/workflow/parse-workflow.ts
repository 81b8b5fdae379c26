import { type Document, LineCounter } from "yaml";
import { issueToProblems } from "../present/issue-message.js";
import { checkWorkflow } from "./check-workflow.js";
import { quote } from "./describe-value.js";
import { dataReader } from "./error-context.js";
import { type LoadedTemplate, mergeTemplates, type TemplateMerge } from "./merge-template.js";
import { type ReadProblem, readYaml } from "./read-yaml.js";
import { offsetWithin } from "./scalar-offset.js";
import { WorkflowFile } from "./workflow.schema.js";
import {
  formatWorkflowError,
  type Problem,
  sortWorkflowErrors,
  type WorkflowError,
} from "./workflow-error.js";
import { locatePath } from "./yaml-locate.js";

export { formatWorkflowError, type WorkflowError } from "./workflow-error.js";

/** The default place of the workflow file in a repository. */
export const WORKFLOW_FILE = ".agents/workflow.yaml";

/** What `parseWorkflow` needs besides the text. */
export interface ParseWorkflowOptions {
  /** Named in every error; default `.agents/workflow.yaml`. */
  readonly file?: string;
  /** Built-in templates by name (`feature` → its YAML text); see `loadBuiltinTemplates`. */
  readonly templates: Readonly<Record<string, string>>;
  /** Models the server allows for `settings.model` and agents; empty or undefined allows any. */
  readonly allowedModels?: readonly string[];
}

/** The validated file (templates merged, `template` keys removed), or every error found. */
export type ParseResult = { ok: true; workflow: WorkflowFile } | { ok: false; errors: WorkflowError[] };

/**
 * Parses and validates a workflow file: YAML with positions, templates merged, the zod schema, then the graph
 * checks. Never throws on any input; every error carries `file:line:col` and says what was expected.
 *
 * @example
 * const r = parseWorkflow(text, { templates: loadBuiltinTemplates() });
 * if (!r.ok) console.error(r.errors.map(formatWorkflowError).join("\n"));
 */
export function parseWorkflow(text: string, opts: ParseWorkflowOptions): ParseResult {
  const file = opts.file ?? WORKFLOW_FILE;
  const lines = lineCounter(text);
  const error = (offset: number, message: string, path: Problem["path"]): WorkflowError => {
    const { line, col } = lines().linePos(offset);
    return { file, line, col, message, path };
  };

  // 1. Read the YAML, refusing hostile input before it can cost anything.
  const read = readYaml(text);
  if (!read.ok) return fail(read.problems.map((p: ReadProblem) => error(p.offset, p.message, p.path ?? [])));

  // 2. Merge `template:` workflows on the raw data, so that a user may override part of a phase.
  const names = Object.keys(opts.templates).sort();
  const merged = mergeTemplates(read.data, names, (name) => loadTemplate(name, opts.templates));
  const place = (p: Problem): WorkflowError => error(offsetOf(read.doc, text, merged, p), p.message, p.path);
  const problems = [...merged.problems];

  // 3. The schema, on the merged data.
  const parsed = WorkflowFile.safeParse(merged.data);
  const dataAt = dataReader(merged.data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // What an unusable template would have supplied is unknown: do not call its keys missing.
      const inUnresolved = issue.path[0] === "workflows" && merged.unresolved.has(String(issue.path[1]));
      if (inUnresolved && dataAt(issue.path as Problem["path"]) === undefined) continue;
      problems.push(...issueToProblems(issue, dataAt, WorkflowFile));
    }
    return fail(problems.map(place));
  }

  // 4. The graph checks, on data the schema accepted.
  problems.push(...checkWorkflow(parsed.data, { allowedModels: opts.allowedModels ?? [] }));
  if (problems.length > 0) return fail(problems.map(place));
  return { ok: true, workflow: parsed.data };
}

function fail(errors: WorkflowError[]): ParseResult {
  return { ok: false, errors: sortWorkflowErrors(errors) };
}

/** Line starts are computed only when an error needs a position. */
function lineCounter(text: string): () => LineCounter {
  let lc: LineCounter | null = null;
  return () => {
    if (lc) return lc;
    lc = new LineCounter();
    lc.addNewLine(0);
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lc.addNewLine(i + 1);
    return lc;
  };
}

/**
 * The user's node if it exists; if only the template supplied it, the workflow's `template:` key; otherwise
 * the nearest ancestor the user wrote.
 */
function offsetOf(doc: Document.Parsed, text: string, merged: TemplateMerge, p: Problem): number {
  const spot = locatePath(doc, p.path, p.at);
  if (spot.exact) return p.within ? offsetWithin(doc, text, p.path, spot.offset, p.within) : spot.offset;
  const workflow = merged.templateOf(p.path);
  return workflow === null ? spot.offset : locatePath(doc, ["workflows", workflow, "template"], "key").offset;
}

function loadTemplate(name: string, templates: Readonly<Record<string, string>>): LoadedTemplate {
  const file = `workflows/${name}.yaml`;
  // A template may not itself use a template: no nesting, no loops.
  const r = parseWorkflow(templates[name] ?? "", { file, templates: {} });
  if (!r.ok)
    return { ok: false, message: `template ${quote(name)} is invalid: ${formatWorkflowError(r.errors[0]!)}` };
  const workflow = r.workflow.workflows[name];
  if (!workflow)
    return { ok: false, message: `template ${quote(name)} has no workflow ${quote(name)} in ${file}` };
  return { ok: true, workflow };
}
