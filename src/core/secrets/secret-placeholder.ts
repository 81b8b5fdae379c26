/**
 * Words that mark a stand-in for a secret in docs, examples, tests and templates. Random tokens practically
 * never contain them (a 36-character base62 token holds a given 4-letter word with odds below 1 in 20,000).
 */
const PLACEHOLDER_WORDS =
  /example|sample|dummy|placeholder|changeme|change[_-]me|your[_-]?|xxxx|\*\*\*|\.\.\.|…|redacted|fake|insert|replace|lorem|test|abcdef|123456|<[^>]*>/i;

/** References to a secret kept elsewhere: `${VAR}`, `$VAR`, `{{ secret }}`, `process.env.X`, `os.environ[…]`. */
const REFERENCE =
  /\$\{|\$[A-Z_][A-Z0-9_]{2,}|\{\{|%\(|process\.env|import\.meta\.env|os\.environ|getenv|ENV\[|secrets\./;

/** The same character six times in a row: `AAAAAA`, `000000`. */
const REPEATED = /(.)\1{5,}/;

/**
 * Is `value` a placeholder rather than a real secret: `EXAMPLE`, `xxxx`, `<your-token>`, `changeme`,
 * `${VAR}`, `process.env.X`, a run of one repeated character …?
 *
 * @example isPlaceholder("AKIAIOSFODNN7EXAMPLE") // → true (AWS's documented example key)
 */
export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER_WORDS.test(value) || REFERENCE.test(value) || REPEATED.test(value);
}
