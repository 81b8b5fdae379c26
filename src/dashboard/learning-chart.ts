import type { CurvePoint } from "../core/learning/profiles.js";

/** A day with judgements, placed on the chart. */
export interface ChartPoint {
  readonly day: string;
  readonly x: number;
  readonly y: number;
  /** `2026-12-15: 1 of 2 right (0.50)`: the point's `<title>`. */
  readonly label: string;
}

export interface ChartTick {
  readonly x: number;
  readonly y: number;
  readonly label: string;
  /** SVG `text-anchor`: the first and last day's labels stay inside the chart. */
  readonly anchor: "start" | "middle" | "end";
}

/** A learning curve as SVG geometry: the template only places it. */
export interface LearningChart {
  readonly width: number;
  readonly height: number;
  /** Where the plot area begins and ends: the axis labels sit outside it. */
  readonly left: number;
  readonly right: number;
  /** One path for the whole curve: a new `M` after each day without judgements, so gaps stay gaps. */
  readonly path: string;
  readonly points: readonly ChartPoint[];
  /** Precision 0, 0.5 and 1. */
  readonly yTicks: readonly ChartTick[];
  /** The first, middle and last day. */
  readonly xTicks: readonly ChartTick[];
}

const WIDTH = 360;
const HEIGHT = 150;
const LEFT = 34;
const RIGHT = 10;
const TOP = 10;
const BOTTOM = 22;

/**
 * Precision per day (`learningCurve`) on a fixed 0–1 axis, one x step per day, oldest left. Days without
 * judgements have no point and break the line.
 *
 * @example learningChart(profile.curve).points.length // → the days with judgements
 */
export function learningChart(curve: readonly CurvePoint[]): LearningChart {
  const span = Math.max(1, curve.length - 1);
  const x = (i: number) => round(LEFT + (i * (WIDTH - LEFT - RIGHT)) / span);
  const y = (p: number) => round(TOP + (1 - p) * (HEIGHT - TOP - BOTTOM));
  const points: ChartPoint[] = [];
  const path: string[] = [];
  curve.forEach((c, i) => {
    if (c.precision === null) return;
    const px = x(i);
    const py = y(c.precision);
    path.push(`${curve[i - 1]?.precision != null ? "L" : "M"}${px},${py}`);
    const right = Math.round(c.precision * c.judged);
    points.push({
      day: c.day,
      x: px,
      y: py,
      label: `${c.day}: ${right} of ${c.judged} right (${c.precision.toFixed(2)})`,
    });
  });
  const tickDays = [...new Set([0, Math.floor((curve.length - 1) / 2), curve.length - 1])].filter(
    (i) => i >= 0,
  );
  return {
    width: WIDTH,
    height: HEIGHT,
    left: LEFT,
    right: WIDTH - RIGHT,
    path: path.join(" "),
    points,
    yTicks: [0, 0.5, 1].map((p) => ({ x: LEFT - 6, y: y(p), label: p.toFixed(1), anchor: "end" })),
    xTicks: tickDays.map((i) => ({
      x: x(i),
      y: HEIGHT - 6,
      label: curve[i]?.day.slice(5) ?? "",
      anchor: i === 0 ? "start" : i === curve.length - 1 ? "end" : "middle",
    })),
  };
}

const round = (n: number) => Math.round(n * 10) / 10;
