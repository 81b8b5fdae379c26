import { stateCounts } from "../core/findings/state-counts.js";
import {
  computeProfiles,
  FINDING_STATES,
  type FindingState,
  isRight,
  type JudgedFinding,
  learningCurve,
} from "../core/learning/profiles.js";
import { DEFAULT_ERROR_BUDGET } from "../core/run/plan.js";
import type { Db } from "../db/connect.js";
import type { FindingStore } from "../db/finding-store.js";
import { type ActiveSuspension, GovernanceStore } from "../db/governance-store.js";
import { type LearningChart, learningChart } from "./learning-chart.js";

/** A profile as the table shows it: numbers with two decimals. */
export interface ProfileRow {
  readonly repo: string;
  readonly persona: string;
  readonly model: string;
  readonly stepKind: string;
  readonly taskType: string;
  readonly judged: number;
  readonly precision: string;
  readonly expertise: string;
  readonly confidence: string;
  readonly health: string;
  readonly score: string;
}

/** The learning curve of one persona on one model in one repository, over every step kind and task type. */
export interface CurveChart extends LearningChart {
  /** `curve-0`, `curve-1` …: ids never come from names. */
  readonly id: string;
  readonly repo: string;
  readonly persona: string;
  readonly model: string;
  readonly judged: number;
  readonly title: string;
}

export interface StateRow {
  readonly repo: string;
  /** In `FINDING_STATES` order. */
  readonly counts: readonly number[];
}

/** Everything the Profiles page shows: who made a finding and how it was judged, never what it said. */
export interface ProfilesView {
  /** Repositories with findings, for the filter. */
  readonly repos: readonly string[];
  /** The repository filtered on, or "". */
  readonly filter: string;
  readonly rows: readonly ProfileRow[];
  readonly charts: readonly CurveChart[];
  readonly states: readonly StateRow[];
  /** Every repository's findings by state; null when filtered on one. */
  readonly overall: StateRow | null;
  /** `open 3 · useful 1 · …` of every repository, or of the one filtered on. */
  readonly summary: string;
  /** Agents suspended by their error budgets now (of the repository filtered on, or all). */
  readonly suspensions: readonly {
    readonly repo: string;
    readonly persona: string;
    readonly model: string;
    /** ISO time, minutes: `2026-12-07 14:05 UTC`. */
    readonly until: string;
    readonly reason: string;
  }[];
}

type Judged = JudgedFinding & { readonly repo: string };

/**
 * Reads the Profiles page: the repositories with findings, the judged findings (of `repo`, or all) and findings
 * by state per repository. Profiles are computed per repository, like routing and noise control do.
 */
export async function loadProfiles(
  findings: FindingStore,
  db: Db,
  repo: string | null,
  now: number,
): Promise<ProfilesView> {
  const repos = await reposWithFindings(db);
  const shown = repo !== null ? [repo] : repos;
  const governance = new GovernanceStore(db);
  const [judged, counts, overall, health, suspended] = await Promise.all([
    findings.judged(repo !== null ? { repo } : {}),
    Promise.all(shown.map((r) => findings.countByState({ repo: r }))),
    repo === null ? findings.countByState() : Promise.resolve(null),
    Promise.all(shown.map((r) => governance.health(r, now - DEFAULT_ERROR_BUDGET.windowMs))),
    governance.suspensions(now, repo ?? undefined),
  ]);
  return profilesView({
    repos,
    filter: repo ?? "",
    judged,
    counts: shown.map((r, i) => ({ repo: r, counts: counts[i] ?? emptyCounts() })),
    health: new Map(shown.map((r, i) => [r, health[i] ?? new Map<string, number>()])),
    suspended,
    overall,
    now,
  });
}

/** The page's values from what was read: profiles and curves per repository, sorted in plain string order. */
export function profilesView(input: {
  repos: readonly string[];
  filter: string;
  judged: readonly Judged[];
  counts: readonly { repo: string; counts: Readonly<Record<FindingState, number>> }[];
  overall: Readonly<Record<FindingState, number>> | null;
  now: number;
  /** Per repository, each `persona\0model`'s health (1 when absent). */
  health?: ReadonlyMap<string, ReadonlyMap<string, number>>;
  suspended?: readonly ActiveSuspension[];
}): ProfilesView {
  const byRepo = groupBy(input.judged, (f) => f.repo);
  const rows: ProfileRow[] = [];
  const charts: CurveChart[] = [];
  for (const repo of [...byRepo.keys()].sort(compare)) {
    const judged = byRepo.get(repo) ?? [];
    const health = input.health?.get(repo);
    for (const p of computeProfiles(
      judged,
      input.now,
      (persona, model) => health?.get(`${persona}\0${model}`) ?? 1,
    )) {
      rows.push({
        repo,
        persona: p.persona,
        model: p.model,
        stepKind: p.stepKind,
        taskType: p.taskType,
        judged: p.judged,
        precision: p.precision.toFixed(2),
        expertise: p.expertise.toFixed(2),
        confidence: p.confidence.toFixed(2),
        health: p.health.toFixed(2),
        score: p.score.toFixed(2),
      });
    }
    const byAgent = groupBy(judged, (f) => `${f.persona}\0${f.model}`);
    for (const key of [...byAgent.keys()].sort(compare)) {
      const group = byAgent.get(key) ?? [];
      const { persona, model } = group[0] as Judged;
      const curve = learningCurve(
        group.map((f) => ({ right: isRight(f.state), at: f.judgedAt })),
        input.now,
      );
      const days = curve.filter((c) => c.precision !== null).length;
      charts.push({
        ...learningChart(curve),
        id: `curve-${charts.length}`,
        repo,
        persona,
        model,
        judged: group.length,
        title:
          `Learning curve of ${persona} on ${model} in ${repo}: precision per day over the last ${curve.length} ` +
          `days, ${days} ${days === 1 ? "day" : "days"} with judgements`,
      });
    }
  }
  const stateRow = (repo: string, counts: Readonly<Record<FindingState, number>>): StateRow => ({
    repo,
    counts: FINDING_STATES.map((s) => counts[s]),
  });
  return {
    repos: input.repos,
    filter: input.filter,
    rows,
    charts,
    states: input.counts
      .filter((c) => FINDING_STATES.some((s) => c.counts[s] > 0))
      .map((c) => stateRow(c.repo, c.counts)),
    overall: input.overall ? stateRow("All repositories", input.overall) : null,
    summary: stateCounts(input.overall ?? sumCounts(input.counts.map((c) => c.counts))),
    suspensions: (input.suspended ?? []).map((x) => ({
      repo: x.repo,
      persona: x.persona,
      model: x.model,
      until: `${new Date(x.until).toISOString().slice(0, 16).replace("T", " ")} UTC`,
      reason: x.reason,
    })),
  };
}

/** Repositories with a finding in the ledger (never what the findings say), in plain string order. */
async function reposWithFindings(db: Db): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom("findings")
    .select("repo")
    .distinct()
    .orderBy("repo")
    .limit(500)
    .execute();
  return rows.map((r) => r.repo).sort(compare);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function emptyCounts(): Record<FindingState, number> {
  return { open: 0, useful: 0, wrong: 0, addressed: 0, dismissed: 0 };
}

function sumCounts(all: readonly Readonly<Record<FindingState, number>>[]): Record<FindingState, number> {
  const sum = emptyCounts();
  for (const counts of all) for (const s of FINDING_STATES) sum[s] += counts[s];
  return sum;
}

/** Plain string order (not the locale's or the database's collation), as `computeProfiles` sorts. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
