/** How calls are retried after a rate limit (429), a timeout, a connection error or a 5xx answer. */
export interface RetryPolicy {
  /** Retries after the first try. */
  readonly retries: number;
  /** The first backoff; each retry doubles it. */
  readonly baseMs: number;
  /** No wait is longer, whatever the server's `Retry-After` asks. */
  readonly maxMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 3, baseMs: 500, maxMs: 20_000 };

/** The server's `retry-after-ms` or `retry-after` (seconds or an HTTP date), in ms; null when absent. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | null {
  const ms = Number(headers?.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get("retry-after");
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : null;
}

/**
 * The wait before retry number `retry` (from 1): the server's `Retry-After` when it gave one, else exponential
 * backoff with jitter (half fixed, half random, so clients that failed together do not retry together).
 *
 * @example retryDelayMs(2, null, { retries: 3, baseMs: 500, maxMs: 20_000 }) // → between 500 and 1000
 */
export function retryDelayMs(
  retry: number,
  serverMs: number | null,
  policy: RetryPolicy,
  random = Math.random,
): number {
  if (serverMs !== null) return Math.min(serverMs, policy.maxMs);
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** (retry - 1));
  return exp / 2 + (random() * exp) / 2;
}
