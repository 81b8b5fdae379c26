/**
 * Words that mark a stand-in for a secret in docs, examples and templates. Random tokens practically never
 * contain the long ones (a 36-character base62 token holds a given 7-letter word with odds below 1 in a
 * billion). `test` is not one of them: Stripe's `sk_test_…` keys are real, and a random body holds `test` too
 * often (1 in 20,000 for 36 characters) to be ignored.
 */
const PLACEHOLDER_WORDS =
  /example|sample|dummy|placeholder|changeme|change[_-]me|changeit|xxxx|\*\*\*|•••|\.\.\.|…|redacted|insert[_-]|replace[_-]?(?:me|with|this)|lorem|ipsum|abcdef|123456|<[^>]*>/i;
/**
 * Short words count in one case only (`fake`, `FAKE`, `Fake`): mixed-case random bodies spell them in any
 * case sixteen times as often (`…1lFaKe` is a real token's tail).
 */
const SHORT_WORDS = /fake|FAKE|Fake|your|YOUR|Your/;

/**
 * References to a secret kept elsewhere: `${VAR}`, `$VAR` (as the value), `{{ secret }}`, `%(x)s`, `#{x}`, `{x}`,
 * `process.env.X`, `os.environ[…]`, `secrets.X`, `!vault`, `ENC[…]`. A `$` inside a value (`S!B*d$zDsb`) is a
 * character of the password, not a reference.
 */
const REFERENCE =
  /\$\{|^\$[A-Za-z_][A-Za-z0-9_]{2,}|\{\{|%\(|#\{|^\{[^{}]*\}$|process\.env|import\.meta\.env|os\.environ|getenv|ENV\[|secrets\.|^!vault|^ENC\[/;

/** The same character six times in a row: `AAAAAA`, `000000`. Judged on short values only (see below). */
const REPEATED = /(.)\1{5,}/;
/**
 * Long encoded values (a key's DER body, a JWT, a Fly.io macaroon) hold runs of `A` (zero bytes) by nature;
 * a run marks a stand-in only in a value up to this long.
 */
const REPEAT_MAX_LENGTH = 64;

/**
 * Is `value` a placeholder rather than a real secret: `EXAMPLE`, `xxxx`, `****` (masked), `<your-token>`,
 * `changeme`, `${VAR}`, `process.env.X`, a run of one repeated character …? Judge a token's random part (its
 * body, after a vendor prefix such as `sk_test_`), not its fixed parts.
 *
 * @example isPlaceholder("AKIAIOSFODNN7EXAMPLE") // → true (AWS's documented example key)
 */
export function isPlaceholder(value: string): boolean {
  return (
    PLACEHOLDER_WORDS.test(value) ||
    SHORT_WORDS.test(value) ||
    REFERENCE.test(value) ||
    (value.length <= REPEAT_MAX_LENGTH && REPEATED.test(value))
  );
}

/** Words and names that documentation and local setups use as passwords, spelled plainly or in leet. */
const DOCS_PASSWORD =
  /pass|pwd|secret|admin|root|guest|qwerty|letmein|welcome|default|hunter|changeit|dragon|monkey|master|login|username|^(?:user|dev|test|demo|postgres|mysql|mongo|redis|rabbit|oracle|sa|none|null|empty|token|key|foo|bar|foobar|baz)$/;

/**
 * Is `value` a password only documentation or a throwaway local setup would use: `password`, `P@ssw0rd!`,
 * `admin123`, `postgres`, `secret` …? Leet spellings are read back (`0`→o, `@`→a, `$`→s, …).
 */
export function isDocsPassword(value: string): boolean {
  const plain = value
    .toLowerCase()
    .replaceAll("0", "o")
    .replaceAll("@", "a")
    .replaceAll("$", "s")
    .replaceAll("5", "s")
    .replaceAll("3", "e")
    .replaceAll("1", "i")
    .replaceAll("4", "a")
    .replaceAll("7", "t");
  const letters = plain.replace(/[^a-z]/g, "");
  return DOCS_PASSWORD.test(plain) || DOCS_PASSWORD.test(letters);
}
