import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const SESSION_COOKIE = "phasegate_session";
/** A sign-in lasts 12 hours. */
export const SESSION_MS = 12 * 60 * 60 * 1000;

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * The dashboard's token check and sessions. Tokens are compared as SHA-256 digests with `timingSafeEqual`, so
 * the time taken says nothing about the token, its length included. A session cookie is `<expiry>.<HMAC>` keyed
 * by the token itself: nothing is stored, and changing `DASHBOARD_TOKEN` signs everyone out.
 */
export class DashboardAuth {
  readonly #token: Buffer;
  readonly #key: Buffer;

  constructor(token: string) {
    this.#token = digest(token);
    this.#key = createHmac("sha256", token).update("phasegate dashboard session").digest();
  }

  tokenMatches(given: string): boolean {
    return timingSafeEqual(digest(given), this.#token);
  }

  /** A session value valid until `now + SESSION_MS`. */
  newSession(now: number): string {
    const expires = String(now + SESSION_MS);
    return `${expires}.${this.#sign(expires)}`;
  }

  sessionValid(value: string, now: number): boolean {
    const [expires, mac] = value.split(".");
    if (!expires || !mac || !/^\d+$/.test(expires) || Number(expires) <= now) return false;
    const expected = Buffer.from(this.#sign(expires));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** A valid session cookie, `Authorization: Bearer <token>`, or Basic with the token as password. */
  authorized(req: IncomingMessage, now: number): boolean {
    const session = cookie(req, SESSION_COOKIE);
    if (session && this.sessionValid(session, now)) return true;
    const header = req.headers.authorization ?? "";
    const bearer = /^Bearer\s+(.+)$/i.exec(header);
    if (bearer?.[1]) return this.tokenMatches(bearer[1].trim());
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      return colon >= 0 && this.tokenMatches(decoded.slice(colon + 1));
    }
    return false;
  }

  #sign(expires: string): string {
    return createHmac("sha256", this.#key).update(expires).digest("base64url");
  }
}

/** The `Set-Cookie` value of a new session: HttpOnly, SameSite=Strict, only under /agents, Secure over HTTPS. */
export function sessionCookie(value: string, secure: boolean): string {
  const attrs = [`Path=/agents`, "HttpOnly", "SameSite=Strict", `Max-Age=${SESSION_MS / 1000}`];
  if (secure) attrs.push("Secure");
  return `${SESSION_COOKIE}=${value}; ${attrs.join("; ")}`;
}

export function clearedCookie(): string {
  return `${SESSION_COOKIE}=; Path=/agents; HttpOnly; SameSite=Strict; Max-Age=0`;
}

/** One cookie's value from the request, or null. */
export function cookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Whether the request came over HTTPS (directly, or through a proxy that says so). */
export function isHttps(req: IncomingMessage): boolean {
  const proto = req.headers["x-forwarded-proto"];
  const first = (Array.isArray(proto) ? proto[0] : proto)?.split(",")[0]?.trim();
  return first === "https" || Boolean((req.socket as { encrypted?: boolean }).encrypted);
}
