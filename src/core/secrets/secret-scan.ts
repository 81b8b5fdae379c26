import type { DiffLine, FileDiff } from "../diff/diff.js";
import type { Finding } from "../findings/finding.js";
import { type CompiledRules, compileRules } from "./compile-rules.js";
import { randomness, wordShare } from "./entropy.js";
import { kubernetesSecretEntries } from "./kubernetes-secret.js";
import { isPlaceholder } from "./secret-placeholder.js";
import type { RuleContext, SecretRule } from "./secret-rule.js";
import { SECRET_RULES } from "./secret-rules.js";

/** Inline markers that silence the scan on a line (ours, gitleaks', detect-secrets', secretlint's). */
const ALLOW_MARKER = /phasegate:allow-secret|gitleaks:allow|pragma: allowlist secret|secretlint-disable-line/;

/** How many added lines after a match a rule may look at: a PEM header's body starts within a few lines. */
const LOOKAHEAD = 5;

/** A format is evidence already: its body need only not be a `ghp_AAAA…` style stand-in. */
const DEFAULT_MIN_RANDOMNESS = 0.6;

/** A body more than half made of pronounceable words reads as a stand-in (`…AccessTokenHere`), not a key. */
const MAX_WORD_SHARE = 0.5;

/** Words show in mixed case only: an all-capitals base32 body has long letter runs by nature. */
function readsAsWords(body: string): boolean {
  return /[a-z]/.test(body) && /[A-Z]/.test(body) && wordShare(body) > MAX_WORD_SHARE;
}

/** Token bodies shorter than this must mix letters and digits or cases. */
const SHORT_BODY = 20;

function classCount(value: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(value)).length;
}

/** More matches than this of one rule on one line (a minified bundle) are not read. */
const MAX_MATCHES_PER_RULE = 1000;

/**
 * Compiles the rules now (about 0.1 s for the built-in set), so the first scan after start-up — on the way to the
 * first review's model call, where every secret line is redacted — does not pay for it.
 */
export function warmSecretScan(): void {
  compileRules(SECRET_RULES);
}

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
 * Finds credentials on the ADDED lines of a diff: private keys, cloud, CI, registry and SaaS tokens, URLs,
 * commands and headers with passwords, Kubernetes Secret values, and high-entropy values assigned to
 * secret-looking names. Pure and model-free; the rules run on RE2, in time linear in the line's length.
 * Findings are `blocker` for private keys and live credentials, `high` for likely ones; their text holds only
 * a redacted value, never the secret.
 *
 * @example scanSecrets(parseUnifiedDiff(gitDiff)).map((f) => `${f.file}:${f.line} ${f.title}`)
 */
export function scanSecrets(
  files: readonly FileDiff[],
  rules: readonly SecretRule[] = SECRET_RULES,
): Finding[] {
  const compiled = compileRules(rules);
  const findings: Finding[] = [];
  for (const file of files) {
    for (const hunk of file.hunks) {
      // Context lines count for a manifest's `kind: Secret`; only added lines are reported.
      const visible = hunk.lines.filter((l) => l.type !== "del");
      const contexts = kubernetesSecretEntries(visible.map((l) => l.text));
      const added = visible.flatMap((l, at) =>
        l.type === "add" && l.newLine !== null ? [{ line: l as DiffLine & { newLine: number }, at }] : [],
      );
      added.forEach(({ line, at }, i) => {
        if (ALLOW_MARKER.test(line.text)) return;
        const following = added.slice(i + 1, i + 1 + LOOKAHEAD).map((a) => a.line.text);
        for (const hit of scanLine(line.text, following, compiled, contexts.get(at))) {
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
function scanLine(
  text: string,
  following: readonly string[],
  compiled: CompiledRules,
  context: RuleContext | undefined,
): Hit[] {
  const hits: Hit[] = [];
  for (const index of compiled.candidates(text.toLowerCase(), context)) {
    const { rule, re, test } = compiled.rules[index] as CompiledRules["rules"][number];
    if (context !== undefined && rule.notIn?.includes(context)) continue;
    // The DFA answers "any match?" fast; captures are computed only on lines that have one.
    if (!test(text)) continue;
    let seen = 0;
    for (const match of re.matchAll(text)) {
      if (++seen > MAX_MATCHES_PER_RULE) break;
      const start = match.index ?? 0;
      const end = start + match[0].length;
      if (hits.some((h) => start < h.end && h.start < end)) continue;
      const secret = judge(rule, match, start, text, following);
      if (secret !== null) hits.push({ rule, secret, start, end });
    }
  }
  return hits;
}

/** The value to report for one match, or null: confirmed, no placeholder, random enough in its body. */
function judge(
  rule: SecretRule,
  match: RegExpMatchArray,
  start: number,
  line: string,
  following: readonly string[],
): string | null {
  const groups = { ...match.groups };
  const raw = groups.secret ?? match[0];
  const secret = rule.confirm
    ? rule.confirm({ secret: raw, groups, start, end: start + match[0].length, line }, following)
    : raw;
  if (secret === null) return null;
  const body = secret === raw ? (groups.body ?? raw) : secret;
  if (isPlaceholder(body) || readsAsWords(body)) return null;
  const minRandomness = rule.minRandomness ?? DEFAULT_MIN_RANDOMNESS;
  // A short token body is weak evidence: it must also mix character classes (`836b042620`, not `RANDOMSTRING`).
  if (minRandomness > 0 && body.length < SHORT_BODY && classCount(body) < 2) return null;
  return randomness(body) >= minRandomness ? secret : null;
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
