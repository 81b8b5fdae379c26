import { Composer, type Document, isMap, isScalar, isSeq, visit } from "yaml";
import { describeValue } from "./describe-value.js";
import { findDuplicateKeys } from "./duplicate-keys.js";
import type { WorkflowPath } from "./workflow-error.js";
import { guardYaml, type TextProblem } from "./yaml-guard.js";

/**
 * yaml's `maxAliasCount`: an anchor may be expanded about this many times (aliases nested inside it count too).
 * Real files reuse an anchor a handful of times; "billion laughs" files need millions.
 */
export const MAX_ALIAS_COUNT = 100;

/** A problem found while reading YAML, at a source offset; `path` when it is known. */
export interface ReadProblem extends TextProblem {
  readonly path?: WorkflowPath;
}

export type ReadYamlResult =
  | { ok: true; doc: Document.Parsed; data: Record<string, unknown> }
  | { ok: false; problems: ReadProblem[] };

/**
 * Reads a YAML mapping with source positions, refusing hostile input (see `guardYaml`), syntax errors,
 * duplicate keys, alias bombs, an empty file and a root that is not a mapping. Every YAML error is reported.
 */
export function readYaml(text: string): ReadYamlResult {
  const guarded = guardYaml(text);
  if (guarded.problems.length > 0) return { ok: false, problems: [...guarded.problems] };

  // What parseDocument does, on the tokens the guard already parsed: the CST parse is the slow part of yaml.
  const composer = new Composer({
    version: "1.2",
    schema: "core",
    merge: false,
    // Checked by findDuplicateKeys, in linear time.
    uniqueKeys: false,
    strict: true,
    logLevel: "error",
  });
  const [doc] = [...composer.compose(guarded.tokens, true, text.length)];
  if (!doc) return { ok: false, problems: [{ offset: 0, message: "cannot read the YAML" }] };
  const problems: ReadProblem[] = [
    ...doc.errors.map((e) => ({ offset: e.pos[0], message: `invalid YAML: ${firstLine(e.message)}` })),
    ...findDuplicateKeys(doc),
  ];
  if (problems.length > 0) return { ok: false, problems };
  const root = doc.contents;
  if (root === null) {
    return {
      ok: false,
      problems: [{ offset: 0, message: 'file is empty (expected a mapping with "version" and "workflows")' }],
    };
  }
  if (!isMap(root)) {
    const got = isScalar(root) ? describeValue(root.value) : isSeq(root) ? "a list" : "an alias";
    return {
      ok: false,
      problems: [
        { offset: root.range?.[0] ?? 0, message: `expected a mapping at the top level, got ${got}` },
      ],
    };
  }
  try {
    return { ok: true, doc, data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown> };
  } catch (e) {
    const message =
      e instanceof ReferenceError && /alias/i.test(e.message)
        ? `too many alias expansions (more than ${MAX_ALIAS_COUNT}); anchors and aliases may not blow up the file`
        : `cannot read the YAML: ${(e as Error).message}`;
    return { ok: false, problems: [{ offset: firstAliasOffset(doc), message }] };
  }
}

/** yaml's messages end with " at line 3, column 1:" plus a source excerpt; we give the position ourselves. */
function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

function firstAliasOffset(doc: Document.Parsed): number {
  let offset = 0;
  visit(doc, {
    Alias(_, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}
