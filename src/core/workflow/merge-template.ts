import { expectedOneOf, quote } from "./describe-value.js";
import type { Problem, WorkflowPath } from "./workflow-error.js";

/** A template's single workflow entry, or why it cannot be used. */
export type LoadedTemplate = { ok: true; workflow: unknown } | { ok: false; message: string };

/** The file with `template:` workflows merged, and where each merged node came from. */
export interface TemplateMerge {
  readonly data: unknown;
  /** Unknown or broken templates, at the user's `template:` value. */
  readonly problems: readonly Problem[];
  /** Workflow ids whose `template:` could not be used; they keep the key, and no merge happened. */
  readonly unresolved: ReadonlySet<string>;
  /** The workflow id whose template alone supplied the node at `path` (the user did not write it), or null. */
  readonly templateOf: (path: WorkflowPath) => string | null;
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Plain assignment would treat a `__proto__` key from YAML as the prototype. */
function setOwn(obj: Obj, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Merges each workflow's `template:` under the keys the user gave: mappings merge recursively (phases by id),
 * lists and scalars given by the user replace the template's, and `template` itself is removed. Works on raw
 * data (before the schema) so a user may override part of a phase; the schema then checks the merged result.
 */
export function mergeTemplates(
  raw: unknown,
  names: readonly string[],
  load: (name: string) => LoadedTemplate,
): TemplateMerge {
  const fromTemplate = new Set<string>();
  const problems: Problem[] = [];
  const unresolved = new Set<string>();
  const templateOf = (path: WorkflowPath): string | null => {
    for (let n = 3; n <= path.length; n++) {
      if (fromTemplate.has(JSON.stringify(path.slice(0, n)))) return String(path[1]);
    }
    return null;
  };
  if (!isObject(raw) || !isObject(raw.workflows)) return { data: raw, problems, unresolved, templateOf };

  const workflows: Obj = { ...raw.workflows };
  for (const [id, def] of Object.entries(raw.workflows)) {
    if (!isObject(def) || typeof def.template !== "string") continue;
    const at: WorkflowPath = ["workflows", id, "template"];
    const name = def.template;
    const loaded: LoadedTemplate = names.includes(name)
      ? load(name)
      : {
          ok: false,
          message: `unknown template ${quote(name)} (${names.length > 0 ? expectedOneOf(names) : "no templates are available"})`,
        };
    if (!loaded.ok) {
      problems.push({ path: at, message: `workflow ${quote(id)}: ${loaded.message}` });
      unresolved.add(id);
      continue;
    }
    const { template: _, ...given } = def;
    setOwn(workflows, id, mergeValue(loaded.workflow, given, ["workflows", id], fromTemplate));
  }
  return { data: { ...raw, workflows }, problems, unresolved, templateOf };
}

function mergeValue(base: unknown, over: unknown, path: WorkflowPath, fromTemplate: Set<string>): unknown {
  if (!isObject(base) || !isObject(over)) return over;
  const out: Obj = {};
  for (const [key, value] of Object.entries(base)) {
    if (Object.hasOwn(over, key)) {
      setOwn(out, key, mergeValue(value, over[key], [...path, key], fromTemplate));
    } else {
      setOwn(out, key, value);
      fromTemplate.add(JSON.stringify([...path, key]));
    }
  }
  for (const [key, value] of Object.entries(over)) {
    if (!Object.hasOwn(base, key)) setOwn(out, key, value);
  }
  return out;
}
