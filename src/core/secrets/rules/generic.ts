// biome-ignore-all lint/suspicious/noTemplateCurlyInString: samples hold literal `${VAR}` references on purpose.
import type { SecretRule } from "../secret-rule.js";
import { genericConfigSecret, genericSecret, headerSecret } from "./confirm.js";
import { SECRET_NAME, SECRET_WORD, SECRET_WORD_KEYWORDS } from "./pattern-parts.js";

const TITLE = "Hard-coded secret";
/** A Kubernetes Secret's entries are judged by its own rules (its `data` is base64, random-looking by nature). */
const KUBERNETES = ["kubernetes-secret-data", "kubernetes-secret-string-data"] as const;
const DESCRIPTION = "a high-entropy value assigned to a secret-looking name";
/** Where a name starts: the line's start or a character no name holds (fewer NFA threads than any position). */
const BOUNDARY = "(?:^|[^A-Za-z0-9_.$-])";
/** A quoted value: `"…"`, `'…'`, `` `…` `` or `\"…\"` (escaped JSON); no spaces inside. */
const QUOTED = "(?:\\\\?[\"'`])(?P<secret>[^\"'`\\\\\\s]{8,})(?:\\\\?[\"'`])";

/**
 * High-entropy values assigned to secret-looking names, in the forms code and configuration use. Last in the
 * list: any vendor rule matching the same text wins. Findings are `high`: likely, not certain.
 */
export const GENERIC_RULES: readonly SecretRule[] = [
  {
    id: "generic-secret",
    title: TITLE,
    description: DESCRIPTION,
    severity: "high",
    keywords: SECRET_WORD_KEYWORDS,
    // name, an optional closing quote and type annotation, an assignment, comparison, call or argument.
    pattern: `${BOUNDARY}${SECRET_NAME}(?:\\\\?["'\`])?(?:[ \\t]*:[ \\t]*[A-Za-z][\\w<>\\[\\]|.?]*)?[ \\t]*(?::::=|::=|:=|\\?=|\\|\\|=|\\?\\?=|\\.=|\\+=|=>|!==?|===?|=|:|,|\\()[ \\t]*\\(?[ \\t]*${QUOTED}`,
    minRandomness: 0,
    notIn: KUBERNETES,
    confirm: genericSecret,
    tps: [
      'const clientSecret = "{b62:32}";',
      'password = "{b62:16}"',
      'token := "{b62:24}"',
      '{\\"apiKey\\":\\"{b62:32}\\"}',
      'props.setProperty("db.password", "{b62:14}");',
      "define('DB_PASSWORD', '{b62:18}');",
      'private readonly apiKey: string = "{b62:28}";',
      'if (req.headers.secret === "{hex:40}") return next();',
    ],
    fps: [
      'const id = "{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}";',
      'token_hash = "{hex:64}"',
      'const key = "<your-api-key>";',
      'password: "changeme"',
      'api_key = "${API_KEY}"',
      'secretName: "my-app-tls-secret"',
      'passwordField: "input[type=password]"',
      'tokenizerModel = "gpt-4o-mini-2024-07-18"',
      'const password = "P@ssw0rd123!";',
      'publicKey = "{b64:44}"',
      'private_key_path = "/etc/ssl/private/server.key"',
      'const apiKeyHeader = "x-api-key";',
    ],
  },
  {
    id: "generic-secret-config",
    title: TITLE,
    description: DESCRIPTION,
    severity: "high",
    keywords: SECRET_WORD_KEYWORDS,
    // Unquoted values only where a bare value is a string: `.env`, YAML, properties, INI, Makefiles.
    pattern: `^[ \\t]*(?:export[ \\t]+|set[ \\t]+|setx[ \\t]+|ENV[ \\t]+|ARG[ \\t]+|-[ \\t]+|\\$env:)?${SECRET_NAME}[ \\t]*(?::::=|::=|:=|\\?=|\\+=|=|:)[ \\t]*(?P<secret>[^\\s"'\`#]{8,})[ \\t]*(?:#.*)?$`,
    minRandomness: 0,
    notIn: KUBERNETES,
    confirm: genericConfigSecret,
    tps: [
      "SESSION_SECRET={b62:28}",
      "  secret: {b62:20}",
      "spring.datasource.password={b62:16}",
      "API_TOKEN ?= {b62:24}",
      "API_TOKEN ::= {b62:24}",
      "export DB_PASS={b62:18}",
      "- POSTGRES_PASSWORD={b62:16}",
    ],
    fps: [
      "SESSION_SECRET=${SESSION_SECRET}",
      "password: {{ vault_db_password }}",
      "aws_secret_access_key = var.aws_secret",
      "SECRET_KEY_BASE=replace_me_with_a_long_random_string",
      "token_ttl: 3600s",
      "PASSWORD_MIN_LENGTH=12",
      "secret: my-app-credentials-v2",
    ],
  },
  {
    id: "generic-secret-xml",
    title: TITLE,
    description: DESCRIPTION,
    severity: "high",
    keywords: SECRET_WORD_KEYWORDS,
    pattern: `<(?P<name>[A-Za-z0-9_.:-]*?${SECRET_WORD}[A-Za-z0-9_.-]*)(?:\\s[^<>]*)?>(?P<secret>[^<\\s]{8,})</`,
    minRandomness: 0,
    notIn: KUBERNETES,
    confirm: genericSecret,
    tps: ["<password>{b62:16}</password>", "    <apiKey>{b62:32}</apiKey>"],
    fps: [
      "<password>${env.NEXUS_PASSWORD}</password>",
      "<password>{COQLCE6DU6GtcS5P=}</password>",
      "<tokenType>Bearer</tokenType>",
    ],
  },
  {
    id: "generic-secret-app-setting",
    title: TITLE,
    description: DESCRIPTION,
    severity: "high",
    keywords: SECRET_WORD_KEYWORDS,
    // .NET appSettings: `<add key="ApiKey" value="…" />`.
    pattern: `(?i:key)\\s*=\\s*["']${SECRET_NAME}["']\\s+(?i:value)\\s*=\\s*["'](?P<secret>[^"'\\s]{8,})["']`,
    minRandomness: 0,
    notIn: KUBERNETES,
    confirm: genericSecret,
    tps: ['<add key="StripeSecret" value="{b62:24}" />'],
    fps: ['<add key="ApiKeyHeader" value="X-Api-Key" />'],
  },
  {
    id: "generic-secret-flag",
    title: TITLE,
    description: DESCRIPTION,
    severity: "high",
    keywords: SECRET_WORD_KEYWORDS,
    pattern: `(?:^|\\s)--?${SECRET_NAME}(?:=|[ \\t]+)["']?(?P<secret>[^\\s"'\`]{8,})`,
    minRandomness: 0,
    notIn: KUBERNETES,
    confirm: genericSecret,
    tps: ["mysql --host db.acme.io --password={b62:16} shop", "vault login --token {b62:26}"],
    fps: ["docker login --password-stdin ghcr.io", "deploy --token $DEPLOY_TOKEN", "--api-key=<key>"],
  },
  {
    id: "generic-secret-header",
    title: TITLE,
    description: DESCRIPTION,
    severity: "high",
    keywords: SECRET_WORD_KEYWORDS,
    // `-H "X-Api-Key: …"`, `Private-Token: …`: a header value runs to the quote or the line's end.
    pattern: `${BOUNDARY}${SECRET_NAME}:[ \\t]{1,4}(?P<secret>[A-Za-z0-9._~+/=-]{8,})(?:["']|[ \\t]*$)`,
    minRandomness: 0,
    notIn: KUBERNETES,
    confirm: headerSecret,
    tps: [
      'curl -H "X-Api-Key: {b62:32}" https://api.acme.io',
      "-H 'PRIVATE-TOKEN: {url:20}'",
      '-H "apikey: {hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}"',
    ],
    fps: ['curl -H "X-Api-Key: $API_KEY" https://api.acme.io', '-H "x-api-key: YOUR_API_KEY_HERE"'],
  },
];
