import type { PaceLimits } from "./pace-limits.js";

/**
 * One installation's write schedule: everything pacing needs to remember between requests. Plain data (epoch
 * milliseconds), so it can live in memory or in a database row that every replica shares.
 */
export interface PaceState {
  /** The earliest start of the next write: the previous write's start plus `writeIntervalMs`. */
  readonly nextWriteAt: number;
  /** Every request waits until then (a rate limit was seen); 0 when never paused. */
  readonly pausedUntil: number;
  /** Start times of recent content-creating writes, ascending; only as many as the content windows can need. */
  readonly contentStarts: readonly number[];
}

/** An installation that never wrote. */
export const EMPTY_PACE_STATE: PaceState = Object.freeze({
  nextWriteAt: 0,
  pausedUntil: 0,
  contentStarts: Object.freeze([]) as readonly number[],
});

/** A write that is spaced out in time; `content` also counts against the content-creating windows. */
export type WriteKind = "write" | "content";

/** Where one write was placed, and the schedule after it. */
export interface Reservation {
  /** When the write may start (epoch ms); never before `now`. */
  readonly startAt: number;
  readonly state: PaceState;
}

/**
 * Places one write in an installation's schedule, pure: it starts at the earliest time that is not before `now`,
 * not before the pause ends, at least `writeIntervalMs` after the previous write's start and, for content, not
 * sooner than `perMs` after the `max`-th latest content write of every window. Start times only grow, so writes
 * start in the order they were reserved. The same function runs in memory and inside the database transaction
 * that locks the installation's row, so every replica computes the same schedule.
 *
 * @example
 * let state = EMPTY_PACE_STATE;
 * const first = reserveWrite(state, now, DEFAULT_PACE_LIMITS, "content"); // startAt: now
 * const second = reserveWrite(first.state, now, DEFAULT_PACE_LIMITS, "write"); // startAt: now + 1000
 */
export function reserveWrite(
  state: PaceState,
  now: number,
  limits: Pick<PaceLimits, "writeIntervalMs" | "contentWindows">,
  kind: WriteKind,
): Reservation {
  let at = Math.max(now, state.nextWriteAt, state.pausedUntil);
  let contentStarts = state.contentStarts;
  if (kind === "content") {
    for (const { max, perMs } of limits.contentWindows) {
      const oldest = max > 0 ? contentStarts[contentStarts.length - max] : undefined;
      if (oldest !== undefined) at = Math.max(at, oldest + perMs);
    }
    contentStarts = prune([...contentStarts, at], at, limits.contentWindows);
  }
  return {
    startAt: at,
    state: { nextWriteAt: at + limits.writeIntervalMs, pausedUntil: state.pausedUntil, contentStarts },
  };
}

/** The schedule with every request held until at least `until` (a pause never shortens). */
export function pauseState(state: PaceState, until: number): PaceState {
  return until > state.pausedUntil ? { ...state, pausedUntil: until } : state;
}

/**
 * Keeps only the starts a later reservation can still look at: it reads the `max`-th latest start of each window,
 * and one older than the longest window cannot hold back a write placed at or after `at`.
 */
function prune(
  starts: readonly number[],
  at: number,
  windows: PaceLimits["contentWindows"],
): readonly number[] {
  const keepMs = Math.max(0, ...windows.map((w) => w.perMs));
  const keepCount = Math.max(0, ...windows.map((w) => w.max));
  let from = Math.max(0, starts.length - keepCount);
  while (from < starts.length && (starts[from] as number) <= at - keepMs) from++;
  return from === 0 ? starts : starts.slice(from);
}
