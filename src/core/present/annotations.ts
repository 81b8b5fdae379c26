import { stripHiddenChars } from "../diff/hidden-text.js";
import type { Finding } from "../findings/finding.js";
import { clip } from "./markdown-escape.js";

/** One check-run annotation, as GitHub's API takes it. Annotations are plain text: nothing is rendered. */
export interface CheckAnnotation {
  readonly path: string;
  readonly start_line: number;
  readonly end_line: number;
  readonly annotation_level: "failure" | "warning" | "notice";
  readonly title: string;
  readonly message: string;
  readonly raw_details?: string;
}

/** GitHub takes at most 50 annotations per create or update request. */
export const ANNOTATIONS_PER_REQUEST = 50;

const LEVEL = { blocker: "failure", high: "failure", medium: "warning", low: "notice" } as const;

function plain(text: string, max: number): string {
  return clip(stripHiddenChars(text).text.trim(), max);
}

/** A finding as an annotation. A finding about a whole file (no line) goes on line 1 and says so. */
export function toAnnotation(f: Finding): CheckAnnotation {
  const line = f.line !== null && f.line >= 1 ? Math.floor(f.line) : 1;
  const body = plain(f.body, 4000);
  return {
    path: f.file.replace(/^(\.\/|\/)+/, ""),
    start_line: line,
    end_line: line,
    annotation_level: LEVEL[f.severity],
    title: plain(`${f.severity}: ${f.title}`.replace(/\s+/g, " "), 255),
    message: (f.line === null ? `Whole file. ${body}` : body) || f.severity,
    ...(f.suggestion ? { raw_details: plain(`Suggested replacement:\n${f.suggestion}`, 4000) } : {}),
  };
}

/**
 * Findings as annotations, in the order given, in batches of at most 50 (one request each). No findings, no
 * batches. Findings without a line are annotated on line 1 of their file, with a message starting
 * "Whole file.", so every finding is in one place.
 *
 * @example annotationBatches(findings120).map((b) => b.length) // → [50, 50, 20]
 */
export function annotationBatches(findings: readonly Finding[]): CheckAnnotation[][] {
  const out: CheckAnnotation[][] = [];
  for (let i = 0; i < findings.length; i += ANNOTATIONS_PER_REQUEST) {
    out.push(findings.slice(i, i + ANNOTATIONS_PER_REQUEST).map(toAnnotation));
  }
  return out;
}
