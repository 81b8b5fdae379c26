/** Why a request waited before being sent again. */
export type WaitReason = "secondary-rate-limit" | "primary-rate-limit" | "server-error";

/** One back-off, reported to `onWait` before the wait starts, for logs, metrics and the dashboard. */
export interface RateLimitWait {
  installationId: number;
  /** `METHOD /path`, with the route template when the caller used one. */
  route: string;
  reason: WaitReason;
  waitMs: number;
  /** 1 for the first retry of this request. */
  attempt: number;
}
