import { scaleLinear } from "d3-scale";
import type { RunState } from "../core/run/run-state.js";

/** One step's bar in the Gantt chart; `end` is null while the step still runs or waits. */
export interface TimelineBar {
  readonly stepId: string;
  readonly label: string;
  readonly status: string;
  readonly start: number;
  readonly end: number | null;
  readonly x: number;
  readonly y: number;
  readonly width: number;
}

export interface TimelineTick {
  readonly x: number;
  readonly label: string;
}

export interface Timeline {
  readonly width: number;
  readonly height: number;
  /** Where the bars begin: the labels sit left of it. */
  readonly left: number;
  readonly rowHeight: number;
  readonly bars: readonly TimelineBar[];
  readonly ticks: readonly TimelineTick[];
}

const WIDTH = 960;
const LEFT = 190;
const ROW = 22;
const TOP = 24;

/**
 * Every started step as a bar from its start to its end (or to `now` while it runs), one row per step in plan
 * order, on one time axis from the run's start: steps that ran in parallel have bars that overlap.
 */
export function timelineOf(run: RunState, now: number): Timeline {
  const started = run.plan.steps
    .map((p) => ({ plan: p, state: run.steps.get(p.id) }))
    .filter((s) => s.state?.startedAt != null);
  const t0 = run.startedAt ?? run.createdAt;
  // Where an unfinished bar ends: now, or the run's end once it finished (the picture stops growing).
  const open = run.finishedAt ?? now;
  const tEnd = Math.max(t0 + 1, open, ...started.map((s) => s.state?.finishedAt ?? open));
  const x = scaleLinear()
    .domain([0, tEnd - t0])
    .range([LEFT, WIDTH - 12]);
  const bars = started.map(({ plan, state }, i) => {
    const start = state?.startedAt ?? t0;
    const end = state?.finishedAt ?? null;
    const x0 = x(start - t0);
    return {
      stepId: plan.id,
      label: plan.name,
      status: state?.status ?? "queued",
      start,
      end,
      x: round(x0),
      y: TOP + i * ROW,
      width: round(Math.max(2, x((end ?? open) - t0) - x0)),
    };
  });
  const ticks = x.ticks(6).map((ms) => ({ x: round(x(ms)), label: formatOffset(ms) }));
  return { width: WIDTH, height: TOP + bars.length * ROW + 8, left: LEFT, rowHeight: ROW, bars, ticks };
}

/** `0 s`, `850 ms`, `12.5 s`, `3 min 20 s`. */
export function formatOffset(ms: number): string {
  if (ms === 0) return "0 s";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  const seconds = Math.round(ms / 1000);
  const min = Math.floor(seconds / 60);
  const s = seconds % 60;
  return s ? `${min} min ${s} s` : `${min} min`;
}

const round = (n: number) => Math.round(n * 10) / 10;
