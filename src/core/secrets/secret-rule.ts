/** What a rule's `confirm` sees of one match. */
export interface RuleMatch {
  /** The `secret` group (else the whole match). */
  readonly secret: string;
  /** Every named group of the pattern. */
  readonly groups: Readonly<Record<string, string | undefined>>;
  /** Where the whole match starts and ends on the line. */
  readonly start: number;
  readonly end: number;
  /** The whole line. */
  readonly line: string;
}

/** Lines a rule reads besides ordinary ones: the entries of a Kubernetes Secret manifest. */
export type RuleContext = "kubernetes-secret-data" | "kubernetes-secret-string-data";

/**
 * One kind of credential the secret scan knows, as data. Rules are tried in order, specific before generic:
 * where two matches overlap on a line, the earlier rule's wins. Each rule carries its own samples, checked by
 * `test/core/secrets/secret-rules.test.ts` the way gitleaks checks its rules: every `tps` line must be found
 * by this rule, no `fps` line may be flagged by any rule.
 */
export interface SecretRule {
  readonly id: string;
  /** The finding's title; names the kind. */
  readonly title: string;
  /** Completes "Found …" in the finding's body, e.g. "a GitHub personal access token". */
  readonly description: string;
  /** `blocker` for private keys and credentials that work as they are; `high` for likely ones. */
  readonly severity: "blocker" | "high";
  /**
   * Lower-case substrings, one of which a line must hold before the pattern runs: most lines hold none.
   * Empty: the pattern runs on every line (for formats with no fixed text).
   */
  readonly keywords: readonly string[];
  /**
   * An RE2 pattern (linear time: no look-around, no back-reference; `(?i:…)` for case-insensitive parts).
   * `(?P<secret>…)` is the value reported, redacted (else the whole match); `(?P<body>…)` is its random part,
   * judged for randomness and placeholders (else the secret).
   */
  readonly pattern: string;
  /**
   * Least randomness of the body (`randomness()`: its entropy as a share of the most its length and alphabet
   * allow). Default 0.6: a fixed format is evidence already; this only rejects `ghp_AAAA…` style stand-ins.
   */
  readonly minRandomness?: number;
  /** Set when the rule reads only the entries of a Kubernetes Secret's `data` or `stringData`. */
  readonly context?: RuleContext;
  /** Lines the rule does not read, because a rule for that context judges them better (base64 `data`). */
  readonly notIn?: readonly RuleContext[];
  /**
   * Extra judgement on a match, given the added lines that follow it in the hunk (a PEM key's body). Returns
   * the value to report and judge (usually `match.secret`), or null to drop the match.
   */
  readonly confirm?: (match: RuleMatch, following: readonly string[]) => string | null;
  /**
   * Snippets this rule must find (lines joined by `\n`), written from the vendor's documented format.
   * Random parts are slots filled by the test with seeded random characters, so no literal here looks like
   * a live credential: `{hex:32}` (lower-case hex), `{HEX:n}`, `{b62:n}` (base62), `{b64:n}`, `{url:n}`
   * (base64url), `{b32:n}` (A–Z2–7), `{dig:n}`, `{low:n}` (a–z0–9), `{up:n}` (A–Z0–9), `{alpha:n}` (A–Za–z),
   * `{bech:n}` (bech32, upper case), `{b32l:n}` (a–z2–7), `{auth:n}` (base64 of `acme:` and n base62 characters).
   */
  readonly tps: readonly string[];
  /** Look-alikes no rule may flag: placeholders, public keys, other formats. Slots as in `tps`. */
  readonly fps: readonly string[];
}
