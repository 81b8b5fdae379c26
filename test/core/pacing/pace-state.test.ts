import { describe, expect, test } from "vitest";
import type { PaceLimits } from "../../../src/core/pacing/pace-limits.js";
import { DEFAULT_PACE_LIMITS } from "../../../src/core/pacing/pace-limits.js";
import {
  EMPTY_PACE_STATE,
  type PaceState,
  pauseState,
  reserveWrite,
  type WriteKind,
} from "../../../src/core/pacing/pace-state.js";
import { mulberry32 } from "../../helpers/mulberry32.js";

const T0 = Date.UTC(2026, 0, 1);

/** Reserves `kinds` in order, all asked at `now`; returns their start times (relative to T0) and the last state. */
function reserveAll(
  kinds: readonly WriteKind[],
  limits: Pick<PaceLimits, "writeIntervalMs" | "contentWindows">,
  state: PaceState = EMPTY_PACE_STATE,
  now = T0,
): { starts: number[]; state: PaceState } {
  const starts: number[] = [];
  let s = state;
  for (const kind of kinds) {
    const r = reserveWrite(s, now, limits, kind);
    starts.push(r.startAt - T0);
    s = r.state;
  }
  return { starts, state: s };
}

describe("reserveWrite", () => {
  test("a first write starts now; later ones a write interval after the previous start", () => {
    const { starts, state } = reserveAll(["write", "content", "write"], DEFAULT_PACE_LIMITS);
    expect(starts).toEqual([0, 1000, 2000]);
    expect(state.nextWriteAt).toBe(T0 + 3000);
    expect(state.contentStarts).toEqual([T0 + 1000]);
  });

  test("a write asked after the schedule ran dry starts at once", () => {
    const first = reserveWrite(EMPTY_PACE_STATE, T0, DEFAULT_PACE_LIMITS, "write");
    const later = reserveWrite(first.state, T0 + 5000, DEFAULT_PACE_LIMITS, "write");
    expect(later.startAt).toBe(T0 + 5000);
    expect(later.state.nextWriteAt).toBe(T0 + 6000);
  });

  test("a pause holds writes until it ends; reads of the pause see it; a pause never shortens", () => {
    const paused = pauseState(EMPTY_PACE_STATE, T0 + 30_000);
    expect(pauseState(paused, T0 + 10_000)).toBe(paused);
    expect(pauseState(paused, T0 + 40_000).pausedUntil).toBe(T0 + 40_000);
    const { starts, state } = reserveAll(["write", "content"], DEFAULT_PACE_LIMITS, paused);
    expect(starts).toEqual([30_000, 31_000]);
    expect(state.pausedUntil).toBe(T0 + 30_000);
  });

  test("content writes wait for the max-th latest to leave every window; plain writes do not count", () => {
    const limits = {
      writeIntervalMs: 1000,
      contentWindows: [
        { max: 2, perMs: 60_000 },
        { max: 3, perMs: 3_600_000 },
      ],
    };
    const { starts } = reserveAll(["content", "content", "write", "content", "write", "content"], limits);
    // Third content write: one minute after the first; fourth: one hour after the first (the hour window).
    expect(starts).toEqual([0, 1000, 2000, 60_000, 61_000, 3_600_000]);
  });

  test("is pure: the state passed in is left as it was", () => {
    const state: PaceState = Object.freeze({
      nextWriteAt: T0,
      pausedUntil: 0,
      contentStarts: Object.freeze([T0 - 1000]),
    });
    const r = reserveWrite(state, T0, DEFAULT_PACE_LIMITS, "content");
    expect(state).toEqual({ nextWriteAt: T0, pausedUntil: 0, contentStarts: [T0 - 1000] });
    expect(r.state.contentStarts).toEqual([T0 - 1000, T0]);
  });

  test("keeps only the content starts a window can still look at", () => {
    const limits = { writeIntervalMs: 0, contentWindows: [{ max: 3, perMs: 10_000 }] };
    const { state } = reserveAll(["content", "content", "content", "content", "content"], limits);
    // Placed at 0, 0, 0, 10 s, 10 s; the three at 0 no longer hold anything back from 10 s on.
    expect(state.contentStarts.map((t) => t - T0)).toEqual([10_000, 10_000]);
    const fourth = reserveWrite(state, T0 + 15_000, limits, "content");
    // The third latest start (10 s) still holds back the next content write until 20 s: kept.
    expect(fourth.state.contentStarts.map((t) => t - T0)).toEqual([10_000, 10_000, 15_000]);
    expect(reserveWrite(fourth.state, T0 + 15_000, limits, "content").startAt).toBe(T0 + 20_000);
    const later = reserveWrite(state, T0 + 100_000, limits, "content");
    // Everything at or before 100 s - 10 s is out of every window.
    expect(later.state.contentStarts).toEqual([T0 + 100_000]);
    const none = reserveAll(["content", "content"], { writeIntervalMs: 0, contentWindows: [] });
    expect(none.starts).toEqual([0, 0]);
    expect(none.state.contentStarts).toEqual([]);
  });

  test("random sequences keep every limit and match a reference that never forgets a start", () => {
    const limits = {
      writeIntervalMs: 700,
      contentWindows: [
        { max: 4, perMs: 10_000 },
        { max: 9, perMs: 60_000 },
      ],
    };
    for (let seed = 1; seed <= 20; seed++) {
      const random = mulberry32(seed);
      let state = EMPTY_PACE_STATE;
      let now = T0;
      const writes: number[] = [];
      const contents: number[] = [];
      const reference = { next: 0, paused: 0, contents: [] as number[] };
      for (let i = 0; i < 300; i++) {
        now += Math.floor(random() * 3000);
        if (random() < 0.03) {
          const until = now + Math.floor(random() * 20_000);
          state = pauseState(state, until);
          reference.paused = Math.max(reference.paused, until);
        }
        const kind: WriteKind = random() < 0.6 ? "content" : "write";
        const r = reserveWrite(state, now, limits, kind);
        state = r.state;
        // The reference: the original in-memory pacer's rule over every start ever made.
        let at = Math.max(now, reference.next, reference.paused);
        if (kind === "content") {
          for (const { max, perMs } of limits.contentWindows) {
            const oldest = reference.contents[reference.contents.length - max];
            if (oldest !== undefined) at = Math.max(at, oldest + perMs);
          }
          reference.contents.push(at);
          contents.push(r.startAt);
        }
        reference.next = at + limits.writeIntervalMs;
        expect(r.startAt, `seed ${seed}, write ${i}`).toBe(at);
        expect(r.startAt).toBeGreaterThanOrEqual(Math.max(now, reference.paused));
        writes.push(r.startAt);
      }
      for (let i = 1; i < writes.length; i++) {
        expect((writes[i] as number) - (writes[i - 1] as number)).toBeGreaterThanOrEqual(700);
      }
      for (const { max, perMs } of limits.contentWindows) {
        for (let i = max; i < contents.length; i++) {
          expect((contents[i] as number) - (contents[i - max] as number)).toBeGreaterThanOrEqual(perMs);
        }
      }
      expect(state.contentStarts.length).toBeLessThanOrEqual(9);
    }
  });
});
