import { type BackoffOptions, classifyFailure } from "./classify-failure.js";
import type { Clock } from "./clock.js";
import { isContentCreating } from "./content-routes.js";
import { GitHubRateLimitError, GitHubWriteUncertainError } from "./errors.js";
import type { InstallationPacer, RequestKind } from "./installation-pacer.js";
import type { RateLimitWait } from "./rate-limit-wait.js";

/** The parts of Octokit's endpoint options this layer reads. */
export interface RequestOptionsLike {
  method: string;
  url: string;
}

/** Everything `pacedRequest` needs besides the request itself. */
export interface PacedRequestContext extends BackoffOptions {
  installationId: number;
  pacer: InstallationPacer;
  clock: Clock;
  /** Bound on the total back-off of one request; past it the request fails with `GitHubRateLimitError`. */
  maxWaitMs: number;
  onWait: (wait: RateLimitWait) => void;
  /** Called with every response's status code, or `"error"` when none came (a network failure). */
  onResponse?: (installationId: number, status: number | "error") => void;
}

/**
 * Sends one request through its installation's pacer, backing off on rate limits and on 5xx for idempotent
 * requests (see `classifyFailure`). Meant for `octokit.hook.wrap("request", …)`.
 */
export async function pacedRequest<O extends RequestOptionsLike, R>(
  ctx: PacedRequestContext,
  request: (options: O) => R | Promise<R>,
  options: O,
): Promise<R> {
  const method = options.method.toUpperCase();
  const path = new URL(options.url, "http://github.test").pathname;
  // Token requests are made from inside another request's auth hook; pacing them could deadlock on its slot.
  if (isAuthRequest(method, path)) return request(options);
  const route = `${method} ${readablePath(path)}`;
  const kind: RequestKind =
    method === "GET" || method === "HEAD" ? "read" : isContentCreating(method, path) ? "content" : "write";
  let waitedMs = 0;
  let rateLimitRetries = 0;
  let serverErrorRetries = 0;
  for (;;) {
    const release = await ctx.pacer.acquire(kind);
    let error: unknown;
    try {
      const response = await request(options);
      ctx.onResponse?.(ctx.installationId, statusOf(response));
      return response;
    } catch (caught) {
      error = caught;
      ctx.onResponse?.(ctx.installationId, statusOf(caught));
    } finally {
      release();
    }
    const now = ctx.clock.now();
    const plan = classifyFailure({ method, error, now, rateLimitRetries, serverErrorRetries }, ctx);
    if (plan.action === "throw") throw error;
    if (plan.action === "uncertain-write") {
      throw new GitHubWriteUncertainError(route, ctx.installationId, plan.status, { cause: error });
    }
    if (plan.reason === "server-error") serverErrorRetries++;
    else rateLimitRetries++;
    if (waitedMs + plan.waitMs > ctx.maxWaitMs) {
      if (plan.reason === "server-error") throw error;
      throw new GitHubRateLimitError(route, ctx.installationId, waitedMs, plan.waitMs, { cause: error });
    }
    // Awaited: with a shared store, the other replicas hold this installation's requests too before we wait.
    if (plan.pauseInstallation) await ctx.pacer.pauseUntil(now + plan.waitMs);
    ctx.onWait({
      installationId: ctx.installationId,
      route,
      reason: plan.reason,
      waitMs: plan.waitMs,
      attempt: rateLimitRetries + serverErrorRetries,
    });
    await ctx.clock.sleep(plan.waitMs);
    waitedMs += plan.waitMs;
  }
}

function statusOf(value: unknown): number | "error" {
  const status = (value as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : "error";
}

// The same routes @octokit/plugin-throttling leaves alone: installation and OAuth token exchanges.
function isAuthRequest(method: string, path: string): boolean {
  return (
    (method === "POST" && /^\/app\/installations\/[^/]+\/access_tokens$/.test(path)) ||
    (method === "POST" && /^\/applications\/[^/]+\/token$/.test(path)) ||
    (method === "PATCH" && /^\/applications\/[^/]+\/token\/scoped$/.test(path)) ||
    (method === "POST" && path === "/login/oauth/access_token")
  );
}

// URL() percent-encodes a template's braces; decode them for readable routes, but never fail a request over a name.
function readablePath(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}
