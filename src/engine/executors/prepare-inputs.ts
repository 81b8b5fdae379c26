import type { FileDiff } from "../../core/diff/diff.js";
import { cleanUntrustedText } from "../../core/diff/hidden-text.js";
import { type HiddenNote, hiddenTextFindings, sanitizeFile } from "../../core/diff/sanitize-diff.js";
import type { Finding } from "../../core/findings/finding.js";
import { redactSecretLines, redactSecretText } from "../../core/secrets/redact-secrets.js";

/** What an agent step reads: the changed files, and the PR's or issue's title and body. */
export interface AgentInputs {
  readonly files: readonly FileDiff[];
  readonly pr: { readonly title: string; readonly body: string } | null;
  readonly issue: { readonly title: string; readonly body: string } | null;
}

/** Inputs as a provider may read them, and what was taken out on the way. */
export interface PreparedInputs {
  readonly inputs: AgentInputs;
  /** Hidden characters and HTML comments removed, by place. */
  readonly hidden: readonly HiddenNote[];
  /** Findings for hidden characters on added lines of code. */
  readonly findings: readonly Finding[];
  /** Lines replaced because the secret scan flagged them. */
  readonly redactedLines: number;
}

type Text = { readonly title: string; readonly body: string } | null;

/** The diff cleaned (and redacted), its hidden-text notes and redacted line count. */
interface PreparedFiles {
  readonly files: readonly FileDiff[];
  readonly notes: readonly HiddenNote[];
  readonly redactedLines: number;
}

// A run's steps read one diff (the same array): cleaning and redacting it once serves them all.
const preparedFiles = new WeakMap<readonly FileDiff[], Map<boolean, PreparedFiles>>();

function prepareFiles(raw: readonly FileDiff[], redact: boolean): PreparedFiles {
  let memo = preparedFiles.get(raw);
  if (!memo) {
    memo = new Map();
    preparedFiles.set(raw, memo);
  }
  const known = memo.get(redact);
  if (known) return known;
  const notes: HiddenNote[] = [];
  let redactedLines = 0;
  const files = raw.map((original): FileDiff => {
    const { file, notes: found } = sanitizeFile(original);
    notes.push(...found);
    if (!redact) return file;
    const redacted = redactSecretLines(file);
    redactedLines += redacted.redacted;
    return redacted.file;
  });
  const result = { files, notes, redactedLines };
  memo.set(redact, result);
  return result;
}

/**
 * Cleans untrusted inputs before any provider reads them:
 * 1. hidden characters (zero-width, bidi controls, other invisible format characters) are removed from PR and
 *    issue text and from the diff, and so are HTML comments from PR and issue text and markup files; each is
 *    noted by place, and hidden characters on added code lines also become findings;
 * 2. with `redact` (providers that send prompts to a model), every line the secret scan flags is replaced, in
 *    the diff and in PR and issue text, so no credential reaches a prompt. The diff's part is done once per diff array (a run's steps share one).
 */
export function prepareInputs(raw: AgentInputs, opts: { redact: boolean }): PreparedInputs {
  const hidden: HiddenNote[] = [];
  let redactedLines = 0;
  const text = (value: Text, what: string): Text => {
    if (!value) return null;
    const clean = (field: "title" | "body") => {
      const cleaned = cleanUntrustedText(value[field]);
      for (const kind of cleaned.found) hidden.push({ where: `${what} ${field}`, kind, lines: [], count: 1 });
      if (!opts.redact) return cleaned.text;
      const redacted = redactSecretText(cleaned.text);
      redactedLines += redacted.redacted;
      return redacted.text;
    };
    return { title: clean("title"), body: clean("body") };
  };
  const pr = text(raw.pr, "pull request");
  const issue = text(raw.issue, "issue");
  const cleaned = prepareFiles(raw.files, opts.redact);
  hidden.push(...cleaned.notes);
  redactedLines += cleaned.redactedLines;
  const files = cleaned.files;
  return {
    inputs: { files, pr, issue },
    hidden,
    findings: hiddenTextFindings(hidden, raw.files),
    redactedLines,
  };
}

/** One sentence for a step's text: what hidden text was removed, and where. */
export function hiddenSentence(hidden: readonly HiddenNote[]): string {
  if (hidden.length === 0) return "";
  const places = hidden.map(
    (h) => `${h.kind} in ${h.where}${h.lines.length ? ` (line ${h.lines.join(", ")})` : ""}`,
  );
  return `Hidden text was removed before prompting: ${places.join("; ")}.`;
}
