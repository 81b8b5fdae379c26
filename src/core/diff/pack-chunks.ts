import type { FileDiff } from "./diff.js";

/** Files (or pieces of files) sent to a model in one call, and what their diffs cost in prompt tokens. */
export interface Chunk {
  readonly files: readonly FileDiff[];
  readonly tokens: number;
}

/**
 * Packs pieces, in the order given (most important first), into chunks whose diffs cost at most `limit`
 * together. Order is kept, so when a budget runs out it is the least important pieces that are left.
 *
 * @example packChunks([{ file: a, tokens: 900 }, { file: b, tokens: 300 }], 1000) // → 2 chunks: [a], [b]
 */
export function packChunks(
  pieces: readonly { readonly file: FileDiff; readonly tokens: number }[],
  limit: number,
): Chunk[] {
  const chunks: Chunk[] = [];
  let files: FileDiff[] = [];
  let tokens = 0;
  for (const piece of pieces) {
    if (files.length > 0 && tokens + piece.tokens > limit) {
      chunks.push({ files, tokens });
      files = [];
      tokens = 0;
    }
    files.push(piece.file);
    tokens += piece.tokens;
  }
  if (files.length > 0) chunks.push({ files, tokens });
  return chunks;
}
