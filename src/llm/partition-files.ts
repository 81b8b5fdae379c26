import type { FileDiff } from "../core/diff/diff.js";
import { type SkipReason, skipReason } from "../core/diff/skip-files.js";

/** The files of a diff that are worth reading, and the rest with the reason they are left out. */
export interface Partition {
  readonly reviewable: readonly FileDiff[];
  readonly skipped: readonly { readonly file: FileDiff; readonly reason: SkipReason }[];
}

/**
 * Splits a diff by `skipReason`: binaries, lockfiles, generated, vendored and minified files are skipped.
 * Deleted files stay reviewable (a deletion can break callers) unless their path says otherwise.
 */
export function partitionFiles(files: readonly FileDiff[]): Partition {
  const reviewable: FileDiff[] = [];
  const skipped: { file: FileDiff; reason: SkipReason }[] = [];
  for (const file of files) {
    const reason = skipReason(file);
    if (reason) skipped.push({ file, reason });
    else reviewable.push(file);
  }
  return { reviewable, skipped };
}
