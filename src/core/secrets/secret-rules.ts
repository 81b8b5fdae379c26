import { looksRandom } from "./entropy.js";

/** One kind of credential the secret scan knows. Rules are tried in order: specific before generic. */
export interface SecretRule {
  readonly id: string;
  /** The finding's title; names the kind. */
  readonly title: string;
  /** Completes "Found …" in the finding's body, e.g. "a GitHub personal access token". */
  readonly description: string;
  /** `blocker` for private keys and credentials that work as they are; `high` for likely ones. */
  readonly severity: "blocker" | "high";
  /** Lower-case substrings, one of which a line must hold before the regex runs: most lines hold none. */
  readonly keywords: readonly string[];
  /** Global regex; the named group `secret` (else the whole match) is the value to judge and redact. */
  readonly regex: RegExp;
  /** Least Shannon entropy of the value: rejects `ghp_AAAA…` style stand-ins. */
  readonly minEntropy: number;
  /**
   * Extra judgement on a match, given the added lines that follow it in the hunk (a PEM key's body). Returns
   * the value to report, or null to drop the match.
   */
  readonly confirm?: (secret: string, match: RegExpExecArray, following: readonly string[]) => string | null;
}

/** Base64 body of a PEM or PGP key, on the same line (`\n`-escaped in JSON) or one of the next ones. */
const KEY_BODY = /[A-Za-z0-9+/]{40,}={0,2}/;

function keyBody(match: RegExpExecArray, following: readonly string[]): string | null {
  const end = match.index + match[0].length;
  // A key body is a few kilobytes at most; looking further would make a long minified line slow.
  const rest = match.input.slice(end, end + 8192).replaceAll("\\n", "\n");
  for (const text of [rest, ...following]) {
    const body = KEY_BODY.exec(text)?.[0];
    if (body) return body;
  }
  return null;
}

/** Decodes base64url JSON (a JWT part) without node:buffer, so this file stays pure. */
function decodeJsonPart(part: string): Record<string, unknown> | null {
  try {
    const base64 = part.replaceAll("-", "+").replaceAll("_", "/");
    const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="));
    const json: unknown = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))),
    );
    return json && typeof json === "object" ? (json as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Passwords of local databases and docs (`postgres`, `root`, `somepassword`): not worth a finding. */
const DEV_PASSWORDS = /^(postgres|mysql|root|admin|guest|dev|user)$|pass|pwd|secret/i;
const LOCAL_HOSTS = /^(localhost|127\.0\.0\.1|0\.0\.0\.0|::1|\[::1\]|host\.docker\.internal)$/i;

/** Names whose value is not a secret even when the name contains `token` or `key`: ids, hashes, paths. */
const NOT_SECRET_NAME =
  /(hash|digest|checksum|sha\d*|id|ids|uuid|url|uri|endpoint|path|file|dir|name|type|length|len|size|count|field|header|prefix|suffix|format|pattern|regex|label|env|var|example|sample|expires?|ttl|timeout|mode|version)$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SECRET_NAME =
  "(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key|signing[_-]?key|encryption[_-]?key|credential)s?";

/** A value assigned to a secret-looking name, judged by its randomness (hashes and ids by their name). */
function genericSecret(secret: string, match: RegExpExecArray): string | null {
  const name = match.groups?.name ?? "";
  if (NOT_SECRET_NAME.test(name) || UUID.test(secret)) return null;
  return looksRandom(secret) ? secret : null;
}

/**
 * The secret scan's rules. Each has a keyword prefilter so that a line is matched against only the few rules
 * whose keywords it holds. Patterns follow the issuers' documented token formats.
 */
export const SECRET_RULES: readonly SecretRule[] = [
  {
    id: "gcp-service-account",
    title: "GCP service account key",
    description: "the private key of a Google Cloud service account (its JSON key file)",
    severity: "blocker",
    keywords: ['"private_key"'],
    regex: /"private_key"\s*:\s*"-----BEGIN (?:RSA )?PRIVATE KEY-----/g,
    minEntropy: 3.5,
    confirm: (_, match, following) => keyBody(match, following),
  },
  {
    id: "private-key",
    title: "Private key",
    description: "a PEM or PGP private key",
    severity: "blocker",
    keywords: ["private key"],
    regex: /-----BEGIN (?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/g,
    minEntropy: 3.5,
    confirm: (_, match, following) => keyBody(match, following),
  },
  {
    id: "aws-access-key-id",
    title: "AWS access key",
    description: "an AWS access key ID",
    severity: "blocker",
    keywords: ["akia", "asia", "abia", "acca"],
    regex: /\b(?<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b/g,
    minEntropy: 3,
    // A presigned S3 URL carries its signer's key ID by design; the URL expires and the ID alone grants nothing.
    confirm: (secret, match) => (/Credential=$/i.test(match.input.slice(0, match.index)) ? null : secret),
  },
  {
    id: "aws-secret-access-key",
    title: "AWS secret access key",
    description: "an AWS secret access key",
    severity: "blocker",
    keywords: ["aws", "secret_access", "secretaccess"],
    regex:
      /(?:aws|secret_?access)[\w.-]{0,30}["']?\s*(?::=|=>|[:=])\s*["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    minEntropy: 4,
  },
  {
    id: "github-token",
    title: "GitHub token",
    description: "a GitHub token (personal, OAuth, app installation or refresh token)",
    severity: "blocker",
    keywords: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    regex: /\b(?<secret>gh[pousr]_[A-Za-z0-9]{36,251})\b/g,
    minEntropy: 3.5,
  },
  {
    id: "github-fine-grained-token",
    title: "GitHub fine-grained token",
    description: "a GitHub fine-grained personal access token",
    severity: "blocker",
    keywords: ["github_pat_"],
    regex: /\b(?<secret>github_pat_[A-Za-z0-9_]{70,255})\b/g,
    minEntropy: 3.5,
  },
  {
    id: "gitlab-token",
    title: "GitLab token",
    description: "a GitLab personal, deploy, runner or trigger token",
    severity: "blocker",
    keywords: ["glpat-", "gldt-", "glrt-", "glptt-"],
    regex: /\b(?<secret>gl(?:pat|dt|rt|ptt)-[A-Za-z0-9_-]{20,255})(?![A-Za-z0-9_-])/g,
    minEntropy: 3.5,
  },
  {
    id: "slack-token",
    title: "Slack token",
    description: "a Slack bot, user or app token",
    severity: "blocker",
    keywords: ["xox", "xapp-"],
    regex: /\b(?<secret>(?:xox[abeoprs]|xapp)-\d{1,32}-[A-Za-z0-9-]{10,255})(?![A-Za-z0-9-])/g,
    minEntropy: 3,
  },
  {
    id: "slack-webhook",
    title: "Slack webhook URL",
    description: "a Slack incoming-webhook URL (anyone holding it can post to the channel)",
    severity: "blocker",
    keywords: ["hooks.slack.com"],
    regex:
      /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<secret>[A-Za-z0-9+/_-]{20,255})/g,
    minEntropy: 3,
  },
  {
    id: "stripe-live-key",
    title: "Stripe live key",
    description: "a Stripe live secret or restricted key",
    severity: "blocker",
    keywords: ["_live_"],
    regex: /\b(?<secret>(?:sk|rk)_live_[A-Za-z0-9]{20,247})\b/g,
    minEntropy: 3.5,
  },
  {
    id: "google-api-key",
    title: "Google API key",
    description: "a Google API key (restricted browser keys are meant to be public; server keys are not)",
    severity: "high",
    keywords: ["aiza"],
    regex: /\b(?<secret>AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])/g,
    minEntropy: 3.5,
  },
  {
    id: "azure-storage-key",
    title: "Azure storage account key",
    description: "an Azure storage account key (in a connection string)",
    severity: "blocker",
    keywords: ["accountkey"],
    regex: /AccountKey=(?<secret>[A-Za-z0-9+/]{86}==)/gi,
    minEntropy: 4,
    // Azurite's well-known development key is published in Microsoft's docs.
    confirm: (secret) => (secret.startsWith("Eby8vdM02xNOcqFl") ? null : secret),
  },
  {
    id: "azure-shared-access-key",
    title: "Azure shared access key",
    description: "an Azure Service Bus / Event Hubs shared access key",
    severity: "blocker",
    keywords: ["sharedaccesskey="],
    regex: /SharedAccessKey=(?<secret>[A-Za-z0-9+/]{42,44}={0,2})/gi,
    minEntropy: 4,
  },
  {
    id: "anthropic-key",
    title: "Anthropic API key",
    description: "an Anthropic API key",
    severity: "blocker",
    keywords: ["sk-ant-"],
    regex: /\b(?<secret>sk-ant-(?:api|admin|oat)\d{2}-[A-Za-z0-9_-]{32,512})(?![A-Za-z0-9_-])/g,
    minEntropy: 3.5,
  },
  {
    id: "openai-key",
    title: "OpenAI API key",
    description: "an OpenAI API key",
    severity: "blocker",
    keywords: ["sk-"],
    regex:
      /\b(?<secret>sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,512}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|sk-[A-Za-z0-9]{48})(?![A-Za-z0-9_-])/g,
    minEntropy: 3.5,
  },
  {
    id: "twilio-api-key",
    title: "Twilio API key",
    description: "a Twilio API key SID",
    severity: "blocker",
    keywords: ["sk"],
    regex: /\b(?<secret>SK[0-9a-fA-F]{32})\b/g,
    minEntropy: 3,
  },
  {
    id: "twilio-auth-token",
    title: "Twilio auth token",
    description: "a Twilio auth token",
    severity: "blocker",
    keywords: ["twilio"],
    regex:
      /twilio[\w.-]{0,20}(?:token|secret|auth)[\w.-]{0,10}["']?\s*(?::=|=>|[:=])\s*["']?(?<secret>[0-9a-f]{32})\b/gi,
    minEntropy: 3,
  },
  {
    id: "sendgrid-key",
    title: "SendGrid API key",
    description: "a SendGrid API key",
    severity: "blocker",
    keywords: ["sg."],
    regex: /\b(?<secret>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/g,
    minEntropy: 3.5,
  },
  {
    id: "npm-token",
    title: "npm token",
    description: "an npm access token",
    severity: "blocker",
    keywords: ["npm_"],
    regex: /\b(?<secret>npm_[A-Za-z0-9]{36})\b/g,
    minEntropy: 3.5,
  },
  {
    id: "npmrc-auth-token",
    title: "npm token",
    description: "an npm registry auth token in an .npmrc",
    severity: "blocker",
    keywords: ["_authtoken"],
    regex: /_authToken\s*=\s*(?<secret>[^\s"'$]{20,512})/gi,
    minEntropy: 3,
  },
  {
    id: "pypi-token",
    title: "PyPI token",
    description: "a PyPI upload token",
    severity: "blocker",
    keywords: ["pypi-ageichlwas5vcmc", "pypi-agendgvzdc5wexbplm9yzw"],
    regex: /\b(?<secret>pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,512})/g,
    minEntropy: 3.5,
  },
  {
    id: "database-url",
    title: "Database URL with a password",
    description: "a database connection URL with a password",
    severity: "blocker",
    keywords: ["://"],
    regex:
      /\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|cockroachdb):\/\/(?<user>[^\s:@/"'`]{1,128}):(?<secret>[^\s@/"'`]{1,256})@(?<host>[^\s/"'`:?,]{1,256})/gi,
    minEntropy: 0,
    confirm: (secret, match) => {
      const { user = "", host = "" } = match.groups ?? {};
      if (secret === user || DEV_PASSWORDS.test(secret) || LOCAL_HOSTS.test(host)) return null;
      return /^[$%{:]/.test(secret) ? null : secret;
    },
  },
  {
    id: "jwt",
    title: "JSON Web Token",
    description: "a JSON Web Token (it may grant access until it expires)",
    severity: "high",
    keywords: ["eyj"],
    regex:
      /\b(?<secret>eyJ[A-Za-z0-9_-]{8,2048}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{16,2048})(?![A-Za-z0-9_-])/g,
    minEntropy: 3.5,
    confirm: (secret) => {
      const [header, payload] = secret.split(".").map(decodeJsonPart);
      if (!header || typeof header.alg !== "string" || !payload) return null;
      // Supabase's `anon` keys are meant to ship to browsers; jwt.io's sample is everywhere in docs.
      if (payload.role === "anon" || payload.name === "John Doe") return null;
      return secret;
    },
  },
  {
    id: "bearer-token",
    title: "Hard-coded bearer token",
    description: "a bearer token in an Authorization header",
    severity: "high",
    keywords: ["bearer "],
    regex: /\bBearer\s+(?<secret>[A-Za-z0-9._~+/-]{20,2048}={0,2})/gi,
    minEntropy: 3.5,
    confirm: (secret) => (looksRandom(secret) ? secret : null),
  },
  {
    id: "generic-secret",
    title: "Hard-coded secret",
    description: "a high-entropy value assigned to a secret-looking name",
    severity: "high",
    keywords: ["pass", "pwd", "secret", "token", "key", "credential"],
    regex: new RegExp(
      `(?<![\\w.-])(?<name>[A-Za-z_][\\w.-]{0,64}?${SECRET_NAME}[\\w-]{0,40})["']?[ \\t]{0,8}(?::=|=>|[:=])[ \\t]{0,8}["'\`](?<secret>[^"'\`\\s]{12,512})["'\`]`,
      "gi",
    ),
    minEntropy: 3,
    confirm: genericSecret,
  },
  {
    id: "generic-secret-config",
    title: "Hard-coded secret",
    description: "a high-entropy value assigned to a secret-looking name",
    severity: "high",
    keywords: ["pass", "pwd", "secret", "token", "key", "credential"],
    // Unquoted values only in config-style lines (`.env`, YAML, properties), where a bare value is a string.
    regex: new RegExp(
      `^\\s{0,40}(?:export\\s+)?(?<name>[A-Za-z_][\\w.-]{0,64}?${SECRET_NAME}[\\w-]{0,40})[ \\t]{0,8}[:=][ \\t]{0,8}(?<secret>[A-Za-z0-9+/=_~.-]{16,512})[ \\t]*(?:#.*)?$`,
      "gi",
    ),
    minEntropy: 3,
    confirm: (secret, match) => (/\d/.test(secret) ? genericSecret(secret, match) : null),
  },
];
