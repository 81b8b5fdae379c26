/**
 * Known kinds of problem, by keywords in a lower-cased title; the first match wins, so the specific come before
 * the general (an injection before input validation, a hard-coded secret before crypto).
 */
const CLASSES: readonly (readonly [string, RegExp])[] = [
  [
    "sql-injection",
    /\bsqli\b|\bsql\b.*\binject|\binject\w*\b.*\bsql\b|\b(unparameteri[sz]ed|interpolated|concatenated)\s+(sql|quer(y|ies))\b|\bquer(y|ies)\b.*\b(string\s+)?(concatenation|interpolation)\b/,
  ],
  [
    "command-injection",
    /\b(command|shell|os|code)\s+injection\b|\bshell\s*=\s*true\b|\b(exec|execsync|spawn|system|popen|child_process|eval)\b.*\b(user|untrusted|unsaniti[sz]ed|input)\b/,
  ],
  [
    "xss",
    /\bxss\b|\bcross[- ]site\s+scripting\b|\b(innerhtml|outerhtml|dangerouslysetinnerhtml|v-html|document\.write)\b|\bhtml\s+injection\b|\bunescaped\s+(html|output)\b/,
  ],
  [
    "path-traversal",
    /\b(path|directory)\s+traversal\b|\bzip\s*slip\b|\.\.\/|\barbitrary\s+file\s+(read|write|access)\b/,
  ],
  ["ssrf", /\bssrf\b|\bserver[- ]side\s+request\s+forgery\b/],
  ["csrf", /\b(csrf|xsrf)\b|\bcross[- ]site\s+request\s+forgery\b/],
  ["xxe", /\bxxe\b|\bxml\s+external\s+entit/],
  ["open-redirect", /\bopen\s+redirect\b|\bunvalidated\s+redirect\b/],
  ["prototype-pollution", /\bprototype\s+pollution\b/],
  ["redos", /\bredos\b|\bcatastrophic\s+backtracking\b|\bregular\s+expression\s+denial\b/],
  ["deserialization", /\bdeseriali[sz]|\bunserialize\b|\bpickle\b|\byaml\.load\b|\bmarshal\.loads?\b/],
  ["sensitive-data", /\b(pii|sensitive\s+(data|information|fields?)|personal\s+(data|information))\b/],
  [
    "secret",
    /\b(hard-?coded|embedded|leaked|exposed|committed|plain-?text)\b.*\b(secret|password|passwd|credential|token|key)s?\b|\b(secrets?|api[ _-]?keys?|credentials?|private[ _-]?keys?|access[ _-]?tokens?)\b/,
  ],
  [
    "crypto",
    /\b(md5|sha-?1|rc4|ecb)\b|\b(weak|insecure|broken|deprecated)\s+(hash\w*|cipher|crypto\w*|encryption|algorithm)\b|\b(crypto\w*|encrypt\w*|decrypt\w*|cipher)\b|\b(insecure|predictable|non-cryptographic)\s+random|\bmath\.random\b/,
  ],
  [
    "auth",
    /\b(authentication|authori[sz]ation|authn|authz|unauthori[sz]ed|unauthenticated|access\s+control|privilege\w*|idor)\b|\b(missing|no|bypass\w*)\s+(auth|permission)\w*/,
  ],
  [
    "race",
    /\brace(\s+condition)?s?\b|\btoctou\b|\bconcurren\w*|\bdeadlock\w*|\bnot\s+thread[- ]safe\b|\bunsynchroni[sz]ed\b/,
  ],
  [
    "null-deref",
    /\b(null|nil|npe|nullpointer\w*)\b|\b(possibly|may\s+be|might\s+be|could\s+be|can\s+be)\s+(undefined|none)\b|\bcannot\s+read\s+propert|\bforce[- ]unwrap/,
  ],
  [
    "off-by-one",
    /\boff[- ]by[- ](one|1)\b|\bfencepost\b|\bout[- ]of[- ]bounds?\b|\bindex\s+out\s+of\s+range\b|\bbuffer\s+overflow\b/,
  ],
  [
    "resource-leak",
    /\bleak\w*\b|\bnot\s+(closed|released|freed|disposed)\b|\b(never|not)\s+(close|release|free|dispose)[sd]?\b|\bunclosed\b|\bmissing\s+(close|dispose|defer)\b/,
  ],
  [
    "missing-test",
    /\buntested\b|\btest\s+coverage\b|\bnot\s+(covered|tested)\b|\b(missing|no|lacks?|lacking|without|add|needs?|insufficient)\s+(\w+\s+){0,3}tests?\b|\btests?\s+(are\s+|is\s+)?missing\b/,
  ],
  [
    "error-handling",
    /\berror[- ]handling\b|\bunhandled\b|\b(swallow|ignor|suppress)\w*\s+(the\s+)?(errors?|exceptions?)\b|\b(errors?|exceptions?)\s+(is\s+|are\s+)?(swallowed|ignored|not\s+handled|unchecked)\b|\bempty\s+catch\b|\bcatch[- ]all\b|\bbare\s+except\b|\bunchecked\s+(error|return)\b/,
  ],
  [
    "input-validation",
    /\b(missing|no|lack\s+of|insufficient|improper)\s+(input\s+)?(validation|sanitization|sanitisation)\b|\bun(validated|sanitized|sanitised)\b|\b(input|parameter|argument)s?\s+(is\s+|are\s+)?not\s+(validated|sanitized|sanitised|checked)\b/,
  ],
  [
    "debug-code",
    /\bconsole\.log\b|\bdebugger\b|\bdebug\s+(print|statement|code|log\w*|output)\b|\bprint\s+statement/,
  ],
];

/** Words that carry no class: articles, prepositions, hedges. */
const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "a an the this that these those it its in on of for to at by with via from into onto over under and or but " +
    "is are was were be been being has have had do does did as if when while then than so here there " +
    "possible possibly potential potentially likely maybe may might can could should would will must seems " +
    "use uses used using"
  ).split(" "),
);

/** At most this many words make a class from a title of no known kind. */
const MAX_WORDS = 6;

/** The title without code in backticks, quoted text and words with digits: names and values change, the kind does not. */
function withoutSpecifics(title: string): string {
  return title
    .replace(/`[^`]*`/g, " ")
    .replace(/"[^"]*"|“[^”]*”|‘[^’]*’/g, " ")
    .replace(/(^|[\s([{])'[^']*'(?=$|[\s)\]},.:;!?])/g, "$1 ")
    .replace(/[\p{L}\p{N}_]*\p{N}[\p{L}\p{N}_]*/gu, " "); // `30s` and `v2` go whole, not as `s` and `v`
}

/**
 * The title's class: a category for known kinds of problem (`sql-injection`, `xss`, `secret`, `null-deref`, …)
 * else the normalised title: lowercase, text in backticks/quotes and numbers removed, stop words removed, the
 * remaining words sorted and deduplicated, at most 6.
 *
 * @example titleClass("Possible SQL injection via string concatenation") // → "sql-injection"
 * @example titleClass("Magic number `42` in the retry loop") // → "loop magic number retry"
 */
export function titleClass(title: string): string {
  const lower = title.toLowerCase();
  for (const [name, pattern] of CLASSES) if (pattern.test(lower)) return name;
  const words = withoutSpecifics(lower).match(/\p{L}+/gu) ?? [];
  return [...new Set(words.filter((w) => !STOP_WORDS.has(w)))].sort().slice(0, MAX_WORDS).join(" ");
}
