import picomatch from "picomatch";
import type { Step } from "../workflow/workflow.schema.js";
import type { RunFacts } from "./run-state.js";

type When = NonNullable<Step["when"]>;

const matchers = new Map<string, (s: string) => boolean>();

function matcher(globs: readonly string[], nocase: boolean): (s: string) => boolean {
  const key = `${nocase}\0${globs.join("\0")}`;
  let m = matchers.get(key);
  if (!m) {
    m = picomatch([...globs], { dot: true, nocase });
    matchers.set(key, m);
  }
  return m;
}

/** GitHub compares logins and label names without case; paths and branches keep theirs. */
function anyMatch(globs: readonly string[], values: readonly (string | null)[], nocase = false): boolean {
  const m = matcher(globs, nocase);
  return values.some((v) => v !== null && m(v));
}

/**
 * The first key of a `when` condition that does not hold for these facts, or null when all hold.
 * Keys are checked in a fixed order so the skip reason is stable.
 *
 * @example whenMismatch({ paths: ["src/**"] }, facts) // "paths" when no changed file is under src/
 */
export function whenMismatch(when: When, facts: RunFacts): keyof When | null {
  if (when.labels && !anyMatch(when.labels, facts.labels, true)) return "labels";
  if (when.paths && !anyMatch(when.paths, facts.changedFiles)) return "paths";
  if (when.authors && !anyMatch(when.authors, [facts.author], true)) return "authors";
  if (when.base && !anyMatch(when.base, [facts.baseRef])) return "base";
  return null;
}

/** Do any of `values` match any of `globs`? Exported for trigger filters (branches, paths). */
export function matchesAnyGlob(globs: readonly string[], values: readonly string[]): boolean {
  return anyMatch(globs, values);
}
