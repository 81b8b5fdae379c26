import type { z } from "zod";
import { describeType, describeValue, expectedOneOf, quote } from "../workflow/describe-value.js";
import { contextOf, type DataAt, formatKeyPath, inContext } from "../workflow/error-context.js";
import type { Problem, WorkflowPath } from "../workflow/workflow-error.js";
import { allowedKeysAt } from "../workflow/zod-schema-at.js";

type Issue = z.core.$ZodIssue;

/** What record keys are called in messages, by the key that holds the record. */
const RECORD_KEY_NAMES: Readonly<Record<string, string>> = {
  workflows: "workflow id",
  phases: "phase id",
  agents: "agent id",
};

/**
 * Turns one zod issue on the workflow data into problems a user can act on: each names its context, the key,
 * what was expected and what was found. `root` is the schema that produced the issue (for allowed-key lists).
 */
export function issueToProblems(issue: Issue, dataAt: DataAt, root: z.ZodType): Problem[] {
  const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
  const value = dataAt(path);
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysAt(root, path, dataAt);
    const hint =
      allowed.length > 1
        ? expectedOneOf(allowed)
        : allowed.length === 1
          ? `the only allowed key is ${allowed[0]}`
          : "no keys are allowed here";
    return issue.keys.map((key) => keyed([...path, key], `unknown key ${quote(key)} (${hint})`, dataAt));
  }
  if (issue.code === "invalid_key") {
    const parent = contextOf(path.slice(0, -1), dataAt);
    const holder = String(path[path.length - 2]);
    const what = (Object.hasOwn(RECORD_KEY_NAMES, holder) ? RECORD_KEY_NAMES[holder] : undefined) ?? "key";
    const why = issue.issues[0]?.message ?? issue.message;
    const message = `invalid ${what} ${quote(String(path[path.length - 1]))}: ${why}`;
    return [{ path, at: "key", message: inContext(parent.name, message) }];
  }
  if (value === undefined && isMissingKey(path, dataAt)) {
    const options = unionOptions(issue);
    const expected = options.length > 0 ? ` (${expectedOneOf(options)})` : "";
    return [keyed(path, `missing required key ${quote(String(path[path.length - 1]))}${expected}`, dataAt)];
  }
  if (issue.code === "invalid_union" && issue.discriminator && typeof value === "string") {
    // The kind of a step: the spec's own example message.
    const ctx = contextOf(path, dataAt);
    return [
      {
        path,
        message: inContext(ctx.name, `unknown kind ${quote(value)} (${expectedOneOf(unionOptions(issue))})`),
      },
    ];
  }
  if (issue.code === "invalid_union" && !issue.discriminator) {
    const inner = closestBranch(issue.errors);
    if (inner)
      return inner.flatMap((i) => issueToProblems({ ...i, path: [...path, ...i.path] }, dataAt, root));
  }
  return [labelled(path, `${expectation(issue)}${got(issue, value)}`, dataAt)];
}

/** The values a discriminated union accepts (the step kinds), or none for other issues. */
function unionOptions(issue: Issue): readonly unknown[] {
  return issue.code === "invalid_union" && "options" in issue ? (issue.options ?? []) : [];
}

/** A key that the parent mapping lacks (as opposed to a key present with an empty value). */
function isMissingKey(path: WorkflowPath, dataAt: DataAt): boolean {
  const last = path[path.length - 1];
  const parent = dataAt(path.slice(0, -1));
  return typeof last === "string" && parent !== null && typeof parent === "object" && !Array.isArray(parent);
}

/** A message about a key of the mapping at `path`'s parent: `step "x": with: unknown key "foo" (…)`. */
function keyed(path: WorkflowPath, message: string, dataAt: DataAt): Problem {
  const ctx = contextOf(path, dataAt);
  const label = formatKeyPath(ctx.rest.slice(0, -1));
  return { path, at: "key", message: inContext(ctx.name, label ? `${label}: ${message}` : message) };
}

/** A message about the value at `path`: `settings: max_parallel: expected a number, got string "four"`. */
function labelled(path: WorkflowPath, message: string, dataAt: DataAt): Problem {
  const ctx = contextOf(path, dataAt);
  const label = formatKeyPath(ctx.rest);
  return { path, message: inContext(ctx.name, label ? `${label}: ${message}` : message) };
}

/**
 * Of a union's branches, the one the value was evidently meant for: the only branch that failed deeper than at
 * its root (a list of approvers with one bad login, not "expected codeowners").
 */
function closestBranch(branches: Issue[][]): Issue[] | null {
  const deep = branches.filter((b) => b.some((i) => i.path.length > 0));
  return deep.length === 1 ? deep[0]! : null;
}

function expectation(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${describeType(issue.expected)}`;
    case "invalid_value":
      return expectedOneOf(issue.values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))));
    case "invalid_union": {
      if (issue.discriminator) return expectedOneOf(unionOptions(issue));
      const wants = issue.errors.flatMap((b) => b.filter((i) => i.path.length === 0).map(branchWant));
      return `expected ${[...new Set(wants)].join(" or ")}`;
    }
    case "too_small":
      return bound(issue.origin, Number(issue.minimum), issue.inclusive !== false, "at least", "more than");
    case "too_big":
      return bound(issue.origin, Number(issue.maximum), issue.inclusive !== false, "at most", "less than");
    default:
      return issue.message;
  }
}

function branchWant(issue: Issue): string {
  if (issue.code === "invalid_type") return describeType(issue.expected);
  if (issue.code === "invalid_value") return issue.values.map((v) => JSON.stringify(v)).join(" or ");
  return issue.message;
}

function bound(origin: string, n: number, inclusive: boolean, incl: string, excl: string): string {
  const word = inclusive ? incl : excl;
  if (origin === "array") return `expected ${word} ${n} ${n === 1 ? "item" : "items"}`;
  if (origin === "string")
    return n === 1 && inclusive && incl === "at least"
      ? "expected a non-empty string"
      : `expected ${word} ${n} characters`;
  return `expected ${word} ${n}`;
}

/** `, got string "four"`; nothing where repeating the value would add no information. */
function got(issue: Issue, value: unknown): string {
  if (issue.code === "too_small" || issue.code === "too_big") {
    return issue.origin === "number" || issue.origin === "int" ? `, got ${String(value)}` : "";
  }
  if (issue.code === "custom") return "";
  return `, got ${describeValue(value)}`;
}
