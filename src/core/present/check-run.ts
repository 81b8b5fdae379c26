import { closeOpenFence } from "./markdown-escape.js";

/** A check run's conclusion, as GitHub accepts it. */
export type CheckConclusion = "success" | "failure" | "cancelled" | "skipped" | "neutral";

/** A check-run button. GitHub allows at most 3, with label ≤ 20, description ≤ 40, identifier ≤ 20 characters. */
export interface CheckRunAction {
  readonly label: string;
  readonly description: string;
  readonly identifier: string;
}

/** What to send to GitHub's create/update check-run endpoints, annotations aside (see `annotationBatches`). */
export type CheckRunView = {
  readonly name: string;
  readonly output: { readonly title: string; readonly summary: string; readonly text?: string };
  readonly actions: readonly CheckRunAction[];
} & (
  | { readonly status: "queued" | "in_progress"; readonly conclusion?: undefined }
  | { readonly status: "completed"; readonly conclusion: CheckConclusion }
);

/** GitHub's limit on a check run's `output.summary` and `output.text`. */
export const CHECK_OUTPUT_MAX = 65_535;

/** A title: one plain line (GitHub does not render Markdown there), hidden characters removed, ≤ 120 chars. */
export function plainTitle(text: string): string {
  const flat = text
    .replace(/[\p{Cc}\p{Cf}]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  return flat.length <= 120 ? flat : `${flat.slice(0, 119)}…`;
}

/** `markdown` within `max` characters, cut at a line and ending in a visible note when it had to be cut. */
export function fitMarkdown(markdown: string, max = CHECK_OUTPUT_MAX): string {
  if (markdown.length <= max) return markdown;
  const note = "\n\n**… cut here: GitHub's size limit.** The dashboard shows the rest.";
  const margin = 40;
  const room = markdown.slice(0, max - note.length - margin);
  const cut = room.lastIndexOf("\n");
  // Closing a fence the cut left open costs one line of backticks, normally within the margin; the limit wins.
  const kept = closeOpenFence(cut > 0 ? room.slice(0, cut) : room);
  return `${kept.slice(0, max - note.length)}${note}`;
}
