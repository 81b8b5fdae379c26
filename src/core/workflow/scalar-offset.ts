import { type Document, isScalar, Scalar } from "yaml";

/**
 * The source offset of character `within` of the string scalar at `path`, whose node starts at `start`. Exact
 * where the source spells the value one to one up to that character: plain and quoted scalars on one line
 * without escapes, and literal blocks (`|`). Otherwise the start of the value, which is never wrong, only vague.
 *
 * @example offsetWithin(doc, "if: pr.x > 1\n", [..., "if"], 4, 3) // 7, the `x`
 */
export function offsetWithin(
  doc: Document.Parsed,
  text: string,
  path: readonly (string | number)[],
  start: number,
  within: number,
): number {
  const node = doc.getIn(path, true);
  if (!isScalar(node) || typeof node.value !== "string" || within > node.value.length) return start;
  const value = node.value;
  switch (node.type) {
    case Scalar.PLAIN:
      return spelled(text, start, value, within) ? start + within : start;
    case Scalar.QUOTE_DOUBLE:
    case Scalar.QUOTE_SINGLE:
      return spelled(text, start + 1, value, within) ? start + 1 + within : start;
    case Scalar.BLOCK_LITERAL:
      return inLiteralBlock(text, start, value, within) ?? start;
    default:
      return start;
  }
}

/** Does the source from `from` read exactly as the value's first `within` characters? */
function spelled(text: string, from: number, value: string, within: number): boolean {
  return text.slice(from, from + within) === value.slice(0, within);
}

/** In a `|` block each value line is one source line after the header, behind the block's indentation. */
function inLiteralBlock(text: string, start: number, value: string, within: number): number | null {
  const lineIndex = value.slice(0, within).split("\n").length - 1;
  const lineStart = value.lastIndexOf("\n", within - 1) + 1;
  const valueLine = value.slice(
    lineStart,
    value.indexOf("\n", lineStart) === -1 ? undefined : value.indexOf("\n", lineStart),
  );
  let at = text.indexOf("\n", start);
  for (let i = 0; i < lineIndex && at !== -1; i++) at = text.indexOf("\n", at + 1);
  if (at === -1) return null;
  const sourceStart = at + 1;
  const sourceEnd = text.indexOf("\n", sourceStart);
  const sourceLine = text.slice(sourceStart, sourceEnd === -1 ? undefined : sourceEnd);
  const indent = sourceLine.length - valueLine.length;
  if (indent < 0 || sourceLine.slice(indent) !== valueLine) return null;
  return sourceStart + indent + (within - lineStart);
}
