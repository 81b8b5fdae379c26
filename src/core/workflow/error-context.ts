import type { WorkflowPath } from "./workflow-error.js";

/** Reads the (raw, possibly invalid) data at a path; used to name a step by its id. */
export type DataAt = (path: readonly (string | number)[]) => unknown;

/** The innermost named thing around a path, and the path left inside it. */
export interface ErrorContext {
  /** `step "merge"`, `phase "review"`, `workflow "delivery"`, `agent "reviewer"`, `settings`, or "" at the top. */
  readonly name: string;
  readonly rest: WorkflowPath;
}

/**
 * Names the context of a path the way messages start: `step "merge": …`. A step without a usable id is named by
 * its position, `step #2 of phase "review"`.
 */
export function contextOf(path: WorkflowPath, dataAt: DataAt): ErrorContext {
  const [top, name, section, phase, steps, index] = path;
  if (top === "workflows" && name !== undefined) {
    if (section === "phases" && phase !== undefined) {
      if (steps === "steps" && typeof index === "number") {
        const id = dataAt([...path.slice(0, 6), "id"]);
        const step =
          typeof id === "string" && id !== ""
            ? `step ${JSON.stringify(id)}`
            : `step #${index + 1} of phase ${JSON.stringify(String(phase))}`;
        return { name: step, rest: path.slice(6) };
      }
      return { name: `phase ${JSON.stringify(String(phase))}`, rest: path.slice(4) };
    }
    return { name: `workflow ${JSON.stringify(String(name))}`, rest: path.slice(2) };
  }
  if (top === "agents" && name !== undefined) {
    return { name: `agent ${JSON.stringify(String(name))}`, rest: path.slice(2) };
  }
  if (top === "settings") return { name: "settings", rest: path.slice(1) };
  return { name: "", rest: path };
}

/** `["with", "checks", 0]` → `with.checks[0]`. */
export function formatKeyPath(path: WorkflowPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out;
}

/** Joins a context name and a message: `step "merge": unknown kind …`, or just the message at the top level. */
export function inContext(name: string, message: string): string {
  return name === "" ? message : `${name}: ${message}`;
}

/** A data reader over plain JS data that never follows inherited properties (`constructor`, `__proto__`). */
export function dataReader(root: unknown): DataAt {
  return (path) => {
    let node = root;
    for (const seg of path) {
      if (node === null || typeof node !== "object" || !Object.hasOwn(node, seg)) return undefined;
      node = (node as Record<string | number, unknown>)[seg];
    }
    return node;
  };
}
