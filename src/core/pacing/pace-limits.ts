/** How hard one installation may use GitHub's API; defaults follow GitHub's documented secondary limits. */
export interface PaceLimits {
  /** Minimum gap between the starts of two writes (POST/PATCH/PUT/DELETE); GitHub's guidance is ~1 s. */
  writeIntervalMs: number;
  /** Sliding windows for content-creating writes (see `isContentCreating`): at most `max` per `perMs`. */
  contentWindows: readonly { max: number; perMs: number }[];
  /** Requests in flight at once; GitHub allows 100. */
  maxConcurrent: number;
}

/** 1 write/s, 80 content-creating requests/min and 500/h, 100 concurrent requests. */
export const DEFAULT_PACE_LIMITS: PaceLimits = Object.freeze({
  writeIntervalMs: 1000,
  contentWindows: Object.freeze([
    { max: 80, perMs: 60_000 },
    { max: 500, perMs: 3_600_000 },
  ]),
  maxConcurrent: 100,
});
