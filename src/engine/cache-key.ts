import { createHash } from "node:crypto";
import type { FileDiff } from "../core/diff/diff.js";
import { diffText } from "../core/diff/diff-text.js";

/** Everything a file's review result depends on besides the file. */
export interface CacheScope {
  /** `owner/name`: a result is reused only within its repository, never served to another tenant. */
  readonly repo: string;
  readonly model: string;
  readonly kind: string;
  readonly promptVersion: string;
  readonly instructions: string | null;
  /** Anything else every file's result depends on: for `tests`, the PR's changed paths. */
  readonly context?: string;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * The cache key of one file's result: a SHA-256 over the repository, model, step kind, prompt version, a hash of the persona's
 * instructions, extra context (a `tests` step's list of changed paths), the path, and the new blob's SHA from the diff's `index` line, or, when the diff has none
 * (`diff -u`, a deletion), a hash of the file's diff text. Any change to any of these is a miss.
 *
 * @example fileCacheKey(scope, file) // → "9f86d08…" (64 hex digits)
 */
export function fileCacheKey(scope: CacheScope, file: FileDiff): string {
  const content = file.blobSha ? `blob:${file.blobSha}` : `diff:${sha256(diffText([file]))}`;
  const persona = sha256(scope.instructions?.trim() ?? "");
  return sha256(
    JSON.stringify([
      scope.repo,
      scope.model,
      scope.kind,
      scope.promptVersion,
      persona,
      sha256(scope.context ?? ""),
      file.path,
      file.oldPath,
      content,
    ]),
  );
}
