import { looksRandom, shannonEntropy } from "../entropy.js";
import { isDocsPassword, isPlaceholder } from "../secret-placeholder.js";
import type { RuleMatch } from "../secret-rule.js";

/** Judgements the rules share, for what a pattern alone cannot tell. */

/** Decodes base64 or base64url to text without node:buffer (core stays pure); null when it is not base64. */
export function decodeBase64(text: string): string | null {
  try {
    let end = text.length;
    while (end > 0 && text[end - 1] === "=") end--;
    const base64 = text.slice(0, end).replaceAll("-", "+").replaceAll("_", "/");
    const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="));
    return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

function decodeJsonPart(part: string): Record<string, unknown> | null {
  try {
    const json: unknown = JSON.parse(decodeBase64(part) ?? "");
    return json && typeof json === "object" ? (json as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A JWT whose header names an algorithm; not Supabase's public `anon` key, not jwt.io's sample. */
export function jwt(match: RuleMatch): string | null {
  const [header, payload] = match.secret.split(".").map(decodeJsonPart);
  if (!header || typeof header.alg !== "string" || !payload) return null;
  if (payload.role === "anon" || payload.name === "John Doe") return null;
  return match.secret;
}

const BASE64_LINE = /^[A-Za-z0-9+/]+={0,2}$/;
/** A PEM block's header line (`Proc-Type: 4,ENCRYPTED`, PGP's `Version: …`). */
const HEADER_LINE = /^[A-Za-z][A-Za-z-]*:/;
/** A key body is a few kilobytes; looking further would make a long minified line slow. */
const KEY_BODY_MAX = 8192;

/** `line` without the quotes and commas around it (a key's lines as strings in code). */
function unquote(line: string): string {
  let start = 0;
  let end = line.length;
  while (start < end && (line[start] === '"' || line[start] === "'")) start++;
  while (end > start && /["',;+ ]/.test(line[end - 1] ?? "")) end--;
  return line.slice(start, end);
}

/**
 * The base64 body of a PEM, OpenSSH or PGP private key after its BEGIN line: on the same line (`\n`-escaped
 * in JSON and `.env` files) or on the following ones, header lines and blank lines skipped, up to the END
 * line. Null when there is none (a header alone, `...`, `<key>`).
 */
export function keyBody(match: RuleMatch, following: readonly string[]): string | null {
  const rest = match.line.slice(match.end, match.end + KEY_BODY_MAX).replaceAll("\\n", "\n");
  let body = "";
  for (const raw of [...rest.split("\n"), ...following]) {
    const line = unquote(raw.trim());
    if (line.startsWith("-----END") || line.includes("-----END")) break;
    if (body === "" && (line === "" || HEADER_LINE.test(line))) continue;
    if (!BASE64_LINE.test(line)) break;
    body += line;
    if (body.length >= KEY_BODY_MAX) break;
  }
  return body.length >= 40 ? body : null;
}

/** Hosts of local setups: a password for them opens nothing outside a laptop or a CI container. */
const LOCAL_HOSTS = /^(localhost|127\.0\.0\.1|0\.0\.0\.0|::1|\[::1\]|host\.docker\.internal)$/i;

/**
 * A password people would actually use somewhere that matters: not empty, not the user name again, not a
 * reference or placeholder, not a documentation or default password (`password`, `postgres`, `admin123`).
 */
export function realPassword(password: string, user = ""): boolean {
  if (password.length < 3 || password === user) return false;
  if (/^[$%{<:[*]/.test(password) || isPlaceholder(password) || isDocsPassword(password)) return false;
  return shannonEntropy(password) >= 1.5;
}

/** `scheme://user:password@host`: a real password for a host that is not local. */
export function urlPassword(match: RuleMatch): string | null {
  const { user = "", host = "" } = match.groups;
  if (LOCAL_HOSTS.test(host) || user.startsWith("$") || /^x-oauth-basic$/i.test(match.secret)) return null;
  return realPassword(decodeURIComponentSafe(match.secret), decodeURIComponentSafe(user))
    ? match.secret
    : null;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * `user:password` (curl's `-u`), the password real; or an API key alone, as the user (`-u key:`) or the
 * password (`-u :key`), random-looking.
 */
export function userPassword(match: RuleMatch): string | null {
  const { user = "" } = match.groups;
  const password = match.secret;
  if (user.startsWith("$") || user.startsWith("%")) return null;
  if (password === "" || user === "") {
    const key = password || user;
    return looksRandom(key) && !isPlaceholder(key) ? key : null;
  }
  return realPassword(password, user) ? password : null;
}

/** Base64 of `user:password` (an `Authorization: Basic` header, a Docker `auth`), the password real. */
export function basicCredentials(match: RuleMatch): string | null {
  const decoded = decodeBase64(match.secret);
  if (!decoded || !/^[\x20-\x7e]+$/.test(decoded)) return null;
  const colon = decoded.indexOf(":");
  if (colon < 1) return null;
  return realPassword(decoded.slice(colon + 1), decoded.slice(0, colon)) ? match.secret : null;
}

/** Names whose value is not a secret even when the name holds `token` or `key`: ids, hashes, paths, types. */
const NOT_SECRET_NAME =
  /(hash|hashed|digest|checksum|sha\d*|md5|id|ids|uuid|url|uri|endpoint|host|path|file|filename|dir|name|type|kind|length|len|size|count|field|header|prefix|suffix|format|pattern|regex|label|env|var|example|sample|expires?|expiry|expiration|ttl|timeout|mode|version|model|policy|ref|arn|placeholder|hint|text|message|msg|error|title|description|store|vault|provider|method|strategy|algorithm|alg|usage|enabled|required|rotation|validator|reset|input|lifetime|location|source)$/i;
/** Public halves and non-secret kinds of keys. */
const PUBLIC_NAME =
  /(?:^|[^a-z])(?:public|pub|publishable|primary|foreign|sort|partition|cache|idempotency|keyboard|csrf|xsrf|author)/i;
/** Values of formats that are public by design: Mapbox `pk.`, Stripe publishable keys, Twilio account SIDs … */
const PUBLIC_VALUE = /^(?:pk\.eyJ|pk_(?:live|test)_|sb_publishable_|FLWPUBK|pubkey-|AC[a-f0-9]{32}$)/;
/** A secret word run on into a longer lower-case word is another word: `keying`, `tokenizer`, `passenger`. */
const RUN_ON = /(?:passwd|password|pass|pwd|secret|token|key|auth|credentials?|creds?)([a-z]+)$/;
const RUN_ON_ALLOWED = new Set([
  ...["s", "key", "keys", "token", "tokens", "secret", "secrets", "str", "string", "value"],
  ...["word", "words", "wd", "phrase", "code"],
]);

function runsOn(name: string): boolean {
  const rest = RUN_ON.exec(name)?.[1];
  return rest !== undefined && !RUN_ON_ALLOWED.has(rest);
}
const UUID_VALUE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A value assigned to a secret-looking name, judged by its randomness (hashes, ids and paths by their name,
 * references and placeholders by their look).
 */
export function genericSecret(match: RuleMatch): string | null {
  const name = match.groups.name ?? "";
  const value = match.secret;
  // A bare `auth` is Docker's and npm's base64 `user:password`, judged by their own rules.
  if (NOT_SECRET_NAME.test(name) || PUBLIC_NAME.test(name) || runsOn(name) || /^_?auth$/i.test(name))
    return null;
  if (UUID_VALUE.test(value) || PUBLIC_VALUE.test(value)) return null;
  if (value.includes("://") || value.startsWith("/") || value.startsWith("./")) return null;
  if (isPlaceholder(value) || isDocsPassword(value)) return null;
  return looksRandom(value) ? value : null;
}

/** An unquoted config value (`.env`, YAML, properties): as `genericSecret`, and holding a digit. */
export function genericConfigSecret(match: RuleMatch): string | null {
  return /\d/.test(match.secret) ? genericSecret(match) : null;
}

/** A bearer or other authorization token: random-looking, not a reference. */
export function randomToken(match: RuleMatch): string | null {
  return looksRandom(match.secret) && !isPlaceholder(match.secret) ? match.secret : null;
}

/** An Authorization header's token: random-looking, or a UUID (many APIs issue UUID keys). */
export function authorizationToken(match: RuleMatch): string | null {
  return UUID_VALUE.test(match.secret) && !isPlaceholder(match.secret) ? match.secret : randomToken(match);
}

/** A header holding a key (`X-Api-Key: …`): as `genericSecret`, but a UUID there is a key, not an id. */
export function headerSecret(match: RuleMatch): string | null {
  return UUID_VALUE.test(match.secret) && !isPlaceholder(match.secret) ? match.secret : genericSecret(match);
}

/** Names in a Kubernetes Secret that hold no secret: who and where, not the credential. */
const KUBE_PUBLIC_NAME =
  /^(?:user(?:name)?|login|email|host(?:name)?|port|database|db|dbname|schema|region|namespace|endpoint|url|uri|ca\.crt|tls\.crt|.*(?:_user|_username|_host|_port|_url|_name|_id))$/i;

/** A `data:` entry of a Kubernetes Secret (or a block scalar's line): base64 of a value, not a placeholder. */
export function kubernetesData(match: RuleMatch): string | null {
  if (KUBE_PUBLIC_NAME.test(match.groups.name ?? "")) return null;
  const value = match.groups.secret ?? match.groups.block ?? "";
  const decoded = decodeBase64(value);
  if (decoded === null || decoded.trim().length < 6) return null;
  if (isPlaceholder(decoded) || isDocsPassword(decoded.trim())) return null;
  return value;
}

/** A `stringData:` entry of a Kubernetes Secret: a plain value that is not a placeholder or reference. */
export function kubernetesStringData(match: RuleMatch): string | null {
  if (KUBE_PUBLIC_NAME.test(match.groups.name ?? "")) return null;
  const value = match.secret;
  return value.length >= 6 && !isPlaceholder(value) && !isDocsPassword(value) ? value : null;
}
