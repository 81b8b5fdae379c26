import type { DiffLine, FileDiff } from "../diff/diff.js";
import type { Finding } from "../findings/finding.js";
import { shannonEntropy } from "./entropy.js";
import { isPlaceholder } from "./secret-placeholder.js";
import { SECRET_RULES, type SecretRule } from "./secret-rules.js";

/** Inline markers that silence the scan on a line (ours, gitleaks', detect-secrets', secretlint's). */
const ALLOW_MARKER = /phasegate:allow-secret|gitleaks:allow|pragma: allowlist secret|secretlint-disable-line/;

/** How many added lines after a match a rule may look at: a PEM header's body starts within a few lines. */
const LOOKAHEAD = 5;

/**
 * The first few characters of a secret and an ellipsis, never more than a quarter of it: enough to find it
 * again, too little to use it.
 *
 * @example redactSecret("ghp_abcdefghijklmnopqrstuvwxyz0123456789") // → "ghp_…"
 */
export function redactSecret(secret: string): string {
  return `${secret.slice(0, Math.min(4, Math.floor(secret.length / 4)))}…`;
}

/**
 * Finds credentials on the ADDED lines of a diff: private keys, cloud and SaaS tokens, database URLs with
 * passwords, and high-entropy values assigned to secret-looking names. Pure and model-free. Findings are
 * `blocker` for private keys and live credentials, `high` for likely ones; their text holds only a redacted
 * value, never the secret.
 *
 * @example scanSecrets(parseUnifiedDiff(gitDiff)).map((f) => `${f.file}:${f.line} ${f.title}`)
 */
export function scanSecrets(
  files: readonly FileDiff[],
  rules: readonly SecretRule[] = SECRET_RULES,
): Finding[] {
  const findings: Finding[] = [];
  for (const file of files) {
    for (const hunk of file.hunks) {
      const added = hunk.lines.filter(
        (l): l is DiffLine & { newLine: number } => l.type === "add" && l.newLine !== null,
      );
      added.forEach((line, i) => {
        if (ALLOW_MARKER.test(line.text)) return;
        const following = added.slice(i + 1, i + 1 + LOOKAHEAD).map((l) => l.text);
        for (const hit of scanLine(line.text, following, rules)) {
          findings.push(toFinding(file.path, line.newLine, hit.rule, hit.secret));
        }
      });
    }
  }
  return findings;
}

interface Hit {
  readonly rule: SecretRule;
  readonly secret: string;
  readonly start: number;
  readonly end: number;
}

/** Every rule's confirmed matches on one line; where matches overlap, the earlier (more specific) rule wins. */
function scanLine(text: string, following: readonly string[], rules: readonly SecretRule[]): Hit[] {
  const lower = text.toLowerCase();
  const hits: Hit[] = [];
  for (const rule of rules) {
    if (!rule.keywords.some((k) => lower.includes(k))) continue;
    for (const match of text.matchAll(rule.regex)) {
      const raw = match.groups?.secret ?? match[0];
      const secret = rule.confirm ? rule.confirm(raw, match, following) : raw;
      if (secret === null || isPlaceholder(secret) || shannonEntropy(secret) < rule.minEntropy) continue;
      const start = match.index;
      const end = start + match[0].length;
      if (hits.some((h) => start < h.end && h.start < end)) continue;
      hits.push({ rule, secret, start, end });
    }
  }
  return hits;
}

function toFinding(file: string, line: number, rule: SecretRule, secret: string): Finding {
  const leaked =
    rule.severity === "blocker"
      ? "Treat it as leaked: anyone who can read this repository, its forks or clones can use it."
      : "If it is a real credential, treat it as leaked.";
  return {
    file,
    line,
    severity: rule.severity,
    title: rule.title,
    body:
      `Found ${rule.description} (\`${redactSecret(secret)}\`, redacted) on an added line. ${leaked} ` +
      "Revoke or rotate it now, remove it from the code and from git history (git filter-repo or BFG), and load it " +
      `from a secret store or an environment variable instead. (rule \`${rule.id}\`)`,
    source: "secret-scan",
  };
}
