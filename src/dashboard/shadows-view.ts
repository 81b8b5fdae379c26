import type { FindingState } from "../core/learning/profiles.js";
import type { ShadowFindingState, ShadowStore, StoredShadowRun } from "../db/shadow-store.js";

/** One side (primary or shadow) of a comparison row, formatted. */
export interface SideFigures {
  readonly findings: number;
  /** `0.67`, or `—` with nothing judged. */
  readonly precision: string;
  /** `2 of 3 judged right`. */
  readonly judged: string;
  readonly tokens: number;
  /** Mean wall time per step: `850 ms`, `2.4 s`. */
  readonly latency: string;
}

/** A persona's primary model beside its shadow in one repository. */
export interface ShadowRow {
  readonly repo: string;
  readonly persona: string;
  readonly primaryModel: string;
  readonly model: string;
  /** Steps compared (the shadow reviewed everything). */
  readonly runs: number;
  /** Steps whose shadow fell short (budget, provider error): left out of every other figure. */
  readonly errors: number;
  /** Fingerprints both found, of those either found: `0.50`, or `—`. */
  readonly agreement: string;
  readonly primary: SideFigures;
  readonly shadow: SideFigures;
}

/** Everything the Shadows page shows: counts and figures, never what a finding said. */
export interface ShadowsView {
  readonly repos: readonly string[];
  /** The repository filtered on, or "". */
  readonly filter: string;
  readonly rows: readonly ShadowRow[];
  /** Shadow runs read (the newest, at most `SHADOW_RUNS_READ`). */
  readonly read: number;
}

/** Reads the Shadows page: the repositories with shadow runs, and the runs (of `repo`, or all) with states. */
export async function loadShadows(store: ShadowStore, repo: string | null): Promise<ShadowsView> {
  const [repos, runs] = await Promise.all([store.repos(), store.runs(repo !== null ? { repo } : {})]);
  return { repos, filter: repo ?? "", rows: shadowRows(runs), read: runs.length };
}

const RIGHT: ReadonlySet<FindingState> = new Set(["useful", "addressed"]);
const WRONG: ReadonlySet<FindingState> = new Set(["wrong", "dismissed"]);

/**
 * Compares primary and shadow per repository, persona, primary model and shadow model, over the steps whose shadow
 * reviewed everything:
 * - findings: per step, summed; agreement: fingerprints both sides found in a step, of those either found, summed
 *   over steps;
 * - judged precision: right (`useful`, `addressed`) of right + wrong (`wrong`, `dismissed`), each finding once
 *   per PR, with the state of the posted finding of its fingerprint (a shadow finding inherits it);
 * - tokens summed; latency the mean wall time of a step.
 */
export function shadowRows(runs: readonly StoredShadowRun[]): ShadowRow[] {
  const groups = new Map<string, StoredShadowRun[]>();
  for (const r of runs) {
    const key = [r.repo, r.persona, r.primaryModel, r.model].join("\0");
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const rows: ShadowRow[] = [];
  for (const group of groups.values()) {
    const first = group[0] as StoredShadowRun;
    const compared = group.filter((r) => r.error === null);
    let both = 0;
    let either = 0;
    for (const r of compared) {
      const p = new Set(r.primaryFindings.map((f) => f.fingerprint));
      const s = new Set(r.findings.map((f) => f.fingerprint));
      const union = new Set([...p, ...s]);
      either += union.size;
      both += [...p].filter((f) => s.has(f)).length;
    }
    rows.push({
      repo: first.repo,
      persona: first.persona,
      primaryModel: first.primaryModel,
      model: first.model,
      runs: compared.length,
      errors: group.length - compared.length,
      agreement: either === 0 ? "—" : (both / either).toFixed(2),
      primary: side(
        compared,
        (r) => r.primaryFindings,
        (r) => r.primaryTokens,
        (r) => r.primaryLatencyMs,
      ),
      shadow: side(
        compared,
        (r) => r.findings,
        (r) => r.tokens,
        (r) => r.latencyMs,
      ),
    });
  }
  return rows.sort(
    (a, b) =>
      compare(a.repo, b.repo) ||
      compare(a.persona, b.persona) ||
      compare(a.primaryModel, b.primaryModel) ||
      compare(a.model, b.model),
  );
}

function side(
  runs: readonly StoredShadowRun[],
  findings: (r: StoredShadowRun) => readonly ShadowFindingState[],
  tokens: (r: StoredShadowRun) => number,
  latency: (r: StoredShadowRun) => number,
): SideFigures {
  const judged = new Map<string, FindingState>();
  let count = 0;
  for (const r of runs) {
    for (const f of findings(r)) {
      count += 1;
      if (r.number !== null && f.state !== null) judged.set(`${r.number}\0${f.fingerprint}`, f.state);
    }
  }
  const states = [...judged.values()];
  const right = states.filter((s) => RIGHT.has(s)).length;
  const wrong = states.filter((s) => WRONG.has(s)).length;
  const totalLatency = runs.reduce((n, r) => n + latency(r), 0);
  return {
    findings: count,
    precision: right + wrong === 0 ? "—" : (right / (right + wrong)).toFixed(2),
    judged: `${right} of ${right + wrong} judged right`,
    tokens: runs.reduce((n, r) => n + tokens(r), 0),
    latency: runs.length === 0 ? "—" : duration(totalLatency / runs.length),
  };
}

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Plain string order (not the locale's or the database's collation), as the Profiles page sorts. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
