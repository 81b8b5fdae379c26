import {
  cellKey,
  computeProfiles,
  dominantTaskType,
  heldBackCells,
  holdsBack,
  type JudgedFinding,
  type JudgedState,
  routeAroundHeld,
  taskTypeOf,
} from "../src/core/learning/learning.js";
import { quantile } from "./stats.js";

/**
 * A learning simulation on the real pure core: one persona `reviewer` with `models: [weak, strong]` reviews a
 * stream of generated PRs; each run is routed from the profiles of what was judged so far, its findings go
 * through noise control, and humans judge the posted ones a while later. Figures only, no assertions.
 */

const PERSONA = "reviewer";
const STEP_KIND = "review";
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** One PR every 2 hours, from a fixed start so UTC days (the learning curves) fall the same on every run. */
const PR_EVERY_MS = 2 * HOUR_MS;
const START_MS = Date.UTC(2025, 0, 6);
const PRS = 300;
const SEEDS = [1, 2, 3, 4, 5] as const;
const PY_SHARE = 0.2;
const JUDGED_SHARE = 0.8;
const MAX_JUDGE_DELAY_MS = 2 * DAY_MS;
const BLOCKER_SHARE = 0.03;
const SETTLED_SHARE = 0.95;

export interface SimModel {
  readonly name: string;
  /** Chance that one of its findings is right. */
  readonly precision: number;
}

const WEAK: SimModel = { name: "weak", precision: 0.35 };
const STRONG: SimModel = { name: "strong", precision: 0.7 };

/** One finding a run would produce, with its dice already cast so every configuration sees the same PRs. */
interface SimFinding {
  readonly file: string;
  readonly severity: "low" | "medium" | "high" | "blocker";
  /** Right when below the chosen model's precision: the strong model is right wherever the weak one is. */
  readonly truth: number;
  /** Judged when below `JUDGED_SHARE`. */
  readonly judgeDraw: number;
  readonly judgeDelayMs: number;
  /** `useful` or `addressed` (right), `wrong` or `dismissed` (wrong). */
  readonly flavour: number;
}

export interface SimPr {
  /** 1-based. */
  readonly run: number;
  readonly at: number;
  readonly files: readonly { path: string; additions: number; deletions: number }[];
  readonly findings: readonly SimFinding[];
}

export interface SimConfig {
  /** In the persona's `models:` order. */
  readonly models: readonly SimModel[];
  readonly minPrecision: number | null;
}

/** What the database knows: judgements already made, and those humans will make later (not yet visible). */
export interface SimState {
  readonly judged: readonly JudgedFinding[];
  readonly pending: readonly JudgedFinding[];
}

export interface RunOutcome {
  readonly run: number;
  readonly taskType: string | null;
  readonly model: string;
  readonly reason: string;
  readonly posted: number;
  readonly postedWrong: number;
  readonly heldBack: number;
  readonly heldBackRight: number;
}

/** Seeded generator (mulberry32), so every run simulates the same PRs and judgements. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The PR stream: 80 % `ts`, 20 % `py` by changed lines; a quarter of the PRs also touch a smaller file of the other
 * language, which gets a finding now and then. 2–6 findings a run, mostly low and medium, 3 % blockers.
 */
export function generatePrs(seed: number, count = PRS): SimPr[] {
  const next = seeded(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const prs: SimPr[] = [];
  for (let i = 0; i < count; i++) {
    const [main, other] = next() < PY_SHARE ? ["py", "ts"] : ["ts", "py"];
    const files = Array.from({ length: int(1, 3) }, (_, f) => ({
      path: `src/area${int(1, 9)}/module${i}-${f}.${main}`,
      additions: int(20, 200),
      deletions: int(0, 60),
    }));
    const minor = next() < 0.25 ? `src/area${int(1, 9)}/helper${i}.${other}` : null;
    if (minor) files.push({ path: minor, additions: int(1, 15), deletions: int(0, 5) });
    const findings = Array.from({ length: int(2, 6) }, (): SimFinding => {
      const onMinor = minor !== null && next() < 0.15;
      const s = next();
      return {
        file: onMinor ? minor : (files[int(0, files.length - (minor ? 2 : 1))]?.path ?? ""),
        severity: s < BLOCKER_SHARE ? "blocker" : s < 0.45 ? "low" : s < 0.85 ? "medium" : "high",
        truth: next(),
        judgeDraw: next(),
        judgeDelayMs: Math.floor(next() * MAX_JUDGE_DELAY_MS),
        flavour: next(),
      };
    });
    prs.push({ run: i + 1, at: START_MS + i * PR_EVERY_MS, files, findings });
  }
  return prs;
}

/**
 * One run, pure: judgements made by the PR's time become visible, profiles are computed from them, the persona's
 * step is routed on the PR's dominant task type, noise control holds back findings of low-precision cells
 * (never blockers), and the posted findings are judged later (held-back ones are listed collapsed, never judged).
 */
export function step(
  state: SimState,
  pr: SimPr,
  config: SimConfig,
): { state: SimState; outcome: RunOutcome } {
  const now = pr.at;
  const judged = [...state.judged, ...state.pending.filter((j) => j.judgedAt <= now)];
  const pending = state.pending.filter((j) => j.judgedAt > now);
  const profiles = computeProfiles(judged, now);
  const taskType = dominantTaskType(pr.files);
  // As the agent executor does (src/engine/executors/step-learning.ts): a held-back model is passed over.
  const held = heldBackCells(profiles, config.minPrecision);
  const route = routeAroundHeld(
    config.models.map((m) => m.name),
    taskType,
    profiles,
    { persona: PERSONA, stepKind: STEP_KIND },
    held,
  );
  const model = config.models.find((m) => m.name === route.model);
  if (!model) throw new Error(`routing chose ${route.model}, which is not listed`);
  const cell = { persona: PERSONA, model: model.name, stepKind: STEP_KIND };
  let posted = 0;
  let postedWrong = 0;
  let heldBack = 0;
  let heldBackRight = 0;
  for (const f of pr.findings) {
    const right = f.truth < model.precision;
    if (holdsBack(f, cell, held)) {
      heldBack++;
      if (right) heldBackRight++;
      continue;
    }
    posted++;
    if (!right) postedWrong++;
    if (f.judgeDraw >= JUDGED_SHARE) continue;
    const verdict: JudgedState = right
      ? f.flavour < 0.5
        ? "useful"
        : "addressed"
      : f.flavour < 0.5
        ? "wrong"
        : "dismissed";
    pending.push({ ...cell, taskType: taskTypeOf(f.file), state: verdict, judgedAt: now + f.judgeDelayMs });
  }
  return {
    state: { judged, pending },
    outcome: {
      run: pr.run,
      taskType,
      model: model.name,
      reason: route.reason,
      posted,
      postedWrong,
      heldBack,
      heldBackRight,
    },
  };
}

export interface SimFigures {
  /** First run (PR number) from which the strong model has ≥ 95 % of the remaining `ts` runs; Infinity: never. */
  readonly settled95: number;
  /** First run from which every `ts` run is on the strong model; Infinity: never. */
  readonly settledAll: number;
  /** Share of all runs on the strong model. */
  readonly strongShare: number;
  readonly strongShareTs: number;
  readonly strongSharePy: number;
  readonly posted: number;
  /** Wrong over posted findings. */
  readonly wrongShare: number;
  readonly heldBack: number;
  readonly heldBackRight: number;
  /** Findings of the strong model held back. */
  readonly heldBackStrong: number;
  /** The last run's routing reason on `py`, to show a stuck exploration. */
  readonly lastPyReason: string;
  /** Held-back cells after the last run, as `model/taskType`. */
  readonly heldCells: readonly string[];
}

/** First run (of `runs`) from which the strong share of the runs left is at least `share`. */
function settledFrom(runs: readonly RunOutcome[], strong: string, share: number): number {
  let strongLeft = 0;
  let settled = Number.POSITIVE_INFINITY;
  // Walk back from the end: the share of the suffix starting at each run.
  for (let i = runs.length - 1; i >= 0; i--) {
    const r = runs[i] as RunOutcome;
    if (r.model === strong) strongLeft++;
    if (strongLeft / (runs.length - i) >= share) settled = r.run;
  }
  return settled;
}

export function simulate(prs: readonly SimPr[], config: SimConfig): SimFigures {
  let state: SimState = { judged: [], pending: [] };
  const outcomes: RunOutcome[] = [];
  for (const pr of prs) {
    const r = step(state, pr, config);
    state = r.state;
    outcomes.push(r.outcome);
  }
  const ts = outcomes.filter((o) => o.taskType === "ts");
  const py = outcomes.filter((o) => o.taskType === "py");
  const strongShare = (runs: readonly RunOutcome[]) =>
    runs.filter((o) => o.model === STRONG.name).length / Math.max(1, runs.length);
  const sum = (k: "posted" | "postedWrong" | "heldBack" | "heldBackRight") =>
    outcomes.reduce((n, o) => n + o[k], 0);
  const end = prs.at(-1)?.at ?? START_MS;
  const held = heldBackCells(computeProfiles(state.judged, end), config.minPrecision);
  const heldCells = config.models.flatMap((m) =>
    ["ts", "py"]
      .filter((t) => held.has(cellKey({ persona: PERSONA, model: m.name, stepKind: STEP_KIND, taskType: t })))
      .map((t) => `${m.name}/${t}`),
  );
  return {
    settled95: settledFrom(ts, STRONG.name, SETTLED_SHARE),
    settledAll: settledFrom(ts, STRONG.name, 1),
    strongShare: strongShare(outcomes),
    strongShareTs: strongShare(ts),
    strongSharePy: strongShare(py),
    posted: sum("posted"),
    wrongShare: sum("postedWrong") / Math.max(1, sum("posted")),
    heldBack: sum("heldBack"),
    heldBackRight: sum("heldBackRight"),
    heldBackStrong: outcomes.filter((o) => o.model === STRONG.name).reduce((n, o) => n + o.heldBack, 0),
    lastPyReason: py.at(-1)?.reason ?? "",
    heldCells,
  };
}

const VARIANTS: readonly { label: string; config: SimConfig }[] = [
  { label: "[weak, strong], min_precision unset", config: { models: [WEAK, STRONG], minPrecision: null } },
  { label: "[weak, strong], min_precision 0.5", config: { models: [WEAK, STRONG], minPrecision: 0.5 } },
  { label: "[strong, weak], min_precision unset", config: { models: [STRONG, WEAK], minPrecision: null } },
  { label: "[strong, weak], min_precision 0.5", config: { models: [STRONG, WEAK], minPrecision: 0.5 } },
];

/** Each variant on the same PR streams, one per seed. */
export function benchLearning(): { label: string; config: SimConfig; runs: SimFigures[] }[] {
  const streams = SEEDS.map((seed) => generatePrs(seed));
  return VARIANTS.map((v) => ({ ...v, runs: streams.map((prs) => simulate(prs, v.config)) }));
}

/** The numeric figures, which take a median. */
type Figure = Exclude<keyof SimFigures, "lastPyReason" | "heldCells">;

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const runNo = (x: number) => (Number.isFinite(x) ? `${x}` : "never");

/** Per variant: routing, then posted and held-back findings, then (noise control on) what it froze. */
export function learningLines(
  variants: readonly { label: string; config: SimConfig; runs: readonly SimFigures[] }[],
): string[] {
  const lines: string[] = [];
  for (const { label, config, runs } of variants) {
    const all = (k: Figure) => runs.map((r) => r[k]);
    const med = (k: Figure) => quantile(all(k), 0.5);
    const bySeed = (k: Figure) => all(k).map(runNo).join(" ");
    lines.push(label);
    lines.push(
      `  strong on ts: ≥ 95 % of the rest from run ${runNo(med("settled95"))} (by seed ${bySeed("settled95")}), ` +
        `every time from run ${runNo(med("settledAll"))} (by seed ${bySeed("settledAll")})`,
    );
    lines.push(
      `  runs on strong ${pct(med("strongShare"))}, weak ${pct(1 - med("strongShare"))} ` +
        `(strong on ts ${pct(med("strongShareTs"))}, on py ${pct(med("strongSharePy"))})`,
    );
    const held =
      config.minPrecision === null
        ? ""
        : `; held back ${med("heldBack")} (${med("heldBackRight")} right; by seed ${bySeed("heldBack")}), ` +
          `the strong model's ${med("heldBackStrong")} (by seed ${bySeed("heldBackStrong")})`;
    lines.push(`  posted ${med("posted")}, ${pct(med("wrongShare"))} wrong${held}`);
    if (config.minPrecision === null) continue;
    const stuck = runs.filter((r) => r.lastPyReason.startsWith("trying"));
    if (stuck.length > 0) {
      lines.push(
        `  py routing still exploring at run ${PRS} in ${stuck.length} of ${runs.length} seeds ` +
          `("${stuck[0]?.lastPyReason}"); cells held back at the end: ${stuck[0]?.heldCells.join(", ")}`,
      );
    }
  }
  return lines;
}

export function printLearningBench(): void {
  console.log(
    `phasegate bench — learning (${PRS} PRs, one every 2 h, ${100 * (1 - PY_SHARE)} % ts; precision weak ${WEAK.precision}, ` +
      `strong ${STRONG.precision}; ${100 * JUDGED_SHARE} % of posted findings judged 0–2 days later; median of ${SEEDS.length} seeds)`,
  );
  for (const line of learningLines(benchLearning())) console.log(`  ${line}`);
}
