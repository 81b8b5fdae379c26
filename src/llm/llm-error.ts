import type { CallRecord } from "../engine/ports.js";

/** A failed model call, with whether trying again later could help (rate limits, timeouts, 5xx). */
export class LlmError extends Error {
  override readonly name = "LlmError";
  readonly retryable: boolean;
  /** The HTTP status, when the endpoint answered. */
  readonly status: number | null;
  /** Calls that were answered before the failure (replies that failed validation): their tokens were spent. */
  readonly calls: readonly CallRecord[];

  constructor(
    message: string,
    options: { retryable: boolean; status?: number | null; calls?: readonly CallRecord[] },
  ) {
    super(message);
    this.retryable = options.retryable;
    this.status = options.status ?? null;
    this.calls = options.calls ?? [];
  }
}

/** Things shaped like API keys (`sk-…`, even masked as `sk-proj-****abcd`) and bearer tokens. */
const KEY_LIKE = /\b(sk-[A-Za-z0-9_*-]{4,}|Bearer\s+\S+)/g;

/** `text` with `apiKey` and anything key-shaped removed: for error messages that may echo a request. */
export function scrubKey(text: string, apiKey: string): string {
  const withoutKey = apiKey ? text.split(apiKey).join("[redacted]") : text;
  return withoutKey.replace(KEY_LIKE, "[redacted]");
}
