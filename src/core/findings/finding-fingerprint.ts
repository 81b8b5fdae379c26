import type { Finding } from "./finding.js";

/** Identifies a finding across runs: same file, line and title (whitespace collapsed) → same fingerprint. */
export type Fingerprint = string;

function fnv1a(text: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/**
 * 16 hex characters from the finding's file, line and title; severity and body may change between runs without
 * the finding counting as new.
 *
 * @example findingFingerprint({ file: "a.ts", line: 3, title: "SQL injection" }) // → e.g. "1f0c…" (16 chars)
 */
export function findingFingerprint(f: Pick<Finding, "file" | "line" | "title">): Fingerprint {
  const key = `${f.file}\n${f.line ?? ""}\n${f.title.trim().replace(/\s+/g, " ")}`;
  return fnv1a(key, 0x811c9dc5) + fnv1a(key, 0x5bd1e995);
}

/** The hidden marker put in every posted finding, so a restart can tell what is already on the PR. */
export function fingerprintMarker(fp: Fingerprint): string {
  return `<!-- phasegate:finding ${fp} -->`;
}

/**
 * The fingerprints marked in a review or comment body. Read only comments the app itself wrote: anyone can type
 * a marker.
 */
export function fingerprintsIn(body: string): Fingerprint[] {
  return [...body.matchAll(/<!-- phasegate:finding ([0-9a-f]{16}) -->/g)].map((m) => m[1] as string);
}
