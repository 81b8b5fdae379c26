/** Pieces of RE2 patterns the rules share. RE2 has no look-ahead: a token's end is a consumed character. */

/** A token ends: the next character could not continue it (or the line ends). */
export const END = "(?:[^A-Za-z0-9_-]|$)";
/** The same for base64 tokens, whose alphabet has `+`, `/` and `=` too. */
export const END_B64 = "(?:[^A-Za-z0-9+/=_-]|$)";
/** A UUID, either case. */
export const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/**
 * Between a name and its value: an optional closing quote (`\"` in escaped JSON), an assignment (`=`, `:`,
 * `:=`, `::=`, `?=`, `=>`), a call or argument separator, or spaces; then an optional opening quote.
 */
export const ASSIGN = `(?:\\\\?["'])?[ \\t]*(?:::=|:=|\\?=|=>|[=:(,]|[ \\t])[ \\t]*(?:\\\\?["'\`])?`;

/**
 * A value named after a vendor: `context` (case-insensitive) in the name, up to 40 more name characters,
 * an assignment, then `value` as the `group` group (`secret` unless the pattern has another alternative
 * that names it: RE2 allows a name once).
 *
 * @example near("datadog", "[a-f0-9]{32}") // matches `DATADOG_API_KEY=…` and `"datadogApiKey": "…"`
 */
export function near(context: string, value: string, group = "secret"): string {
  return `(?i:${context})[\\w.-]*?${ASSIGN}(?P<${group}>${value})${END}`;
}

/** Names that hold secrets: the generic rules' anchor. */
export const SECRET_WORD =
  "(?i:passwd|password|passphrase|passcode|pass|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|auth[_.-]?key|private[_.-]?key|signing[_.-]?key|encryption[_.-]?key|master[_.-]?key|session[_.-]?key|credentials?|creds|auth)";

/** Keywords that let a line reach the generic rules. */
export const SECRET_WORD_KEYWORDS = [
  "pass",
  "pwd",
  "secret",
  "token",
  "key",
  "credential",
  "creds",
  "auth",
] as const;

/** A name holding a secret word, with a prefix and suffix (`DB_PASSWORD_PROD`, `spring.datasource.password`). */
export const SECRET_NAME = `(?P<name>[A-Za-z0-9_.$-]*?${SECRET_WORD}[A-Za-z0-9_.-]*)`;
