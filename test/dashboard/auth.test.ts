import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { DashboardAuth, SESSION_MS } from "../../src/dashboard/auth.js";
import { TOKEN } from "./fixtures.js";

const NOW = Date.UTC(2026, 11, 3, 9, 0, 0);
const request = (headers: Record<string, string>) => ({ headers, socket: {} }) as unknown as IncomingMessage;
const basic = (userPass: string) => ({ authorization: `Basic ${Buffer.from(userPass).toString("base64")}` });

describe("DashboardAuth", () => {
  const auth = new DashboardAuth(TOKEN);

  it("accepts a session until it expires, and never after", () => {
    const session = auth.newSession(NOW);
    const cookie = { cookie: `theme=dark; phasegate_session=${session}` };
    expect(auth.authorized(request(cookie), NOW + SESSION_MS - 1)).toBe(true);
    expect(auth.authorized(request(cookie), NOW + SESSION_MS)).toBe(false);
  });

  it("refuses a session whose expiry was moved, one signed with another token, and malformed ones", () => {
    const [expires, mac] = auth.newSession(NOW).split(".") as [string, string];
    expect(auth.sessionValid(`${Number(expires) + SESSION_MS}.${mac}`, NOW)).toBe(false);
    // Changing DASHBOARD_TOKEN ends every session.
    expect(new DashboardAuth(`${TOKEN}-rotated`).sessionValid(`${expires}.${mac}`, NOW)).toBe(false);
    for (const bad of ["", expires, `.${mac}`, `x${expires}.${mac}`, `${expires}.${mac}x`])
      expect(auth.sessionValid(bad, NOW)).toBe(false);
  });

  it("takes the token as Bearer or as a Basic password, and nothing else", () => {
    expect(auth.authorized(request({ authorization: `Bearer ${TOKEN}` }), NOW)).toBe(true);
    expect(auth.authorized(request(basic(`ops:${TOKEN}`)), NOW)).toBe(true);
    expect(auth.authorized(request({ authorization: `Bearer ${TOKEN.slice(0, -1)}` }), NOW)).toBe(false);
    // The token as the user name, or without the colon, is not the password.
    expect(auth.authorized(request(basic(`${TOKEN}:`)), NOW)).toBe(false);
    expect(auth.authorized(request(basic(TOKEN)), NOW)).toBe(false);
    expect(auth.authorized(request({ authorization: TOKEN }), NOW)).toBe(false);
    expect(auth.authorized(request({}), NOW)).toBe(false);
  });
});
