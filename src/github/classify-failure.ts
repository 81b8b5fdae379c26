import type { WaitReason } from "./rate-limit-wait.js";

/** What the layer does about one failed request. */
export type FailurePlan =
  | { action: "wait"; reason: WaitReason; waitMs: number; pauseInstallation: boolean }
  | { action: "uncertain-write"; status: number | undefined }
  | { action: "throw" };

/** Tunables of the back-off; all in milliseconds. */
export interface BackoffOptions {
  /** First back-off for a secondary rate limit without `retry-after`; doubles each time. */
  secondaryBaseMs: number;
  /** First back-off after a 5xx or network error on an idempotent request; doubles each time. */
  serverErrorBaseMs: number;
  /** Retries after 5xx or network errors, per request. */
  serverErrorRetries: number;
}

interface FailureFacts {
  method: string;
  error: unknown;
  now: number;
  /** Rate-limit back-offs this request already took. */
  rateLimitRetries: number;
  /** 5xx retries this request already took. */
  serverErrorRetries: number;
}

// RFC 9110: these may be repeated without a second effect. POST (and so GraphQL) may not.
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"]);

/**
 * Decides between backing off, reporting an uncertain write and rethrowing, following GitHub's guidance: honour
 * `retry-after`; else, with `x-ratelimit-remaining: 0`, wait for `x-ratelimit-reset`; else back off exponentially
 * from a minute. A rate-limited request was not processed, so even a POST is safe to resend.
 */
export function classifyFailure(facts: FailureFacts, options: BackoffOptions): FailurePlan {
  const { status, headers, message } = describe(facts.error);
  if ((status === 403 || status === 429) && isRateLimit(status, headers, message)) {
    const retryAfter = Number(headers["retry-after"]);
    if (headers["retry-after"] !== undefined && Number.isFinite(retryAfter)) {
      return {
        action: "wait",
        reason: "secondary-rate-limit",
        waitMs: retryAfter * 1000,
        pauseInstallation: true,
      };
    }
    if (headers["x-ratelimit-remaining"] === "0" && headers["x-ratelimit-reset"] !== undefined) {
      // One second past the reset, as GitHub's reset time has one-second resolution and clocks drift.
      const waitMs = Math.max(0, Number(headers["x-ratelimit-reset"]) * 1000 - facts.now) + 1000;
      return { action: "wait", reason: "primary-rate-limit", waitMs, pauseInstallation: true };
    }
    const waitMs = options.secondaryBaseMs * 2 ** facts.rateLimitRetries;
    return { action: "wait", reason: "secondary-rate-limit", waitMs, pauseInstallation: true };
  }
  if (status === undefined || status >= 500) {
    if (!IDEMPOTENT.has(facts.method)) return { action: "uncertain-write", status };
    if (facts.serverErrorRetries >= options.serverErrorRetries) return { action: "throw" };
    const waitMs = options.serverErrorBaseMs * 2 ** facts.serverErrorRetries;
    return { action: "wait", reason: "server-error", waitMs, pauseInstallation: false };
  }
  return { action: "throw" };
}

function isRateLimit(status: number, headers: Record<string, string | undefined>, message: string): boolean {
  return (
    status === 429 ||
    headers["retry-after"] !== undefined ||
    headers["x-ratelimit-remaining"] === "0" ||
    /rate limit/i.test(message)
  );
}

// Octokit's RequestError carries status and response headers; a network failure surfaces as a RequestError with
// status 500 and no response, or as a plain error without a status.
function describe(error: unknown): {
  status: number | undefined;
  headers: Record<string, string | undefined>;
  message: string;
} {
  const e = (error ?? {}) as { status?: unknown; message?: unknown; response?: { headers?: unknown } };
  const status = typeof e.status === "number" ? e.status : undefined;
  const raw = (e.response?.headers ?? {}) as Record<string, unknown>;
  const headers: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined && value !== null) headers[key.toLowerCase()] = String(value);
  }
  return { status, headers, message: typeof e.message === "string" ? e.message : "" };
}
