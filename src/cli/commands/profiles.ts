import { stateCounts } from "../../core/findings/state-counts.js";
import {
  computeProfiles,
  FINDING_STATES,
  type FindingState,
  type Profile,
} from "../../core/learning/profiles.js";
import { DEFAULT_ERROR_BUDGET } from "../../core/run/plan.js";
import type { Db } from "../../db/connect.js";
import { FindingStore } from "../../db/finding-store.js";
import { GovernanceStore } from "../../db/governance-store.js";
import { UsageError } from "../load-workflow.js";
import { gitDir } from "../local-git.js";
import { openStore } from "../open-store.js";
import { type Io, table } from "../output.js";

const REPO = /^[^/\s]+\/[^/\s]+$/;

/** How findings get judged (the spec's section 1), for the line printed when none is. */
const HOW_TO_JUDGE =
  "reply `/agents useful` or `/agents wrong` to the app's inline comments, react 👍/👎, resolve their threads, " +
  "or push a change to the flagged code.";

/** One repository's profiles (computed from its own judged findings) and its findings by state. */
interface RepoProfiles {
  readonly repo: string;
  readonly profiles: readonly Profile[];
  readonly counts: Readonly<Record<FindingState, number>>;
}

/**
 * `phasegate profiles [--repo owner/name] [--json]`: each agent's learning profile per repository, computed from
 * the judged findings in the database (`.git/phasegate.db`, or a server's `DATABASE_URL`), and findings by state.
 */
export async function profilesCommand(opts: { repo?: string; json?: boolean }, io: Io): Promise<number> {
  if (opts.repo !== undefined && !REPO.test(opts.repo))
    throw new UsageError(`--repo takes owner/name, not "${opts.repo}"`);
  const store = await openStore(io.env, await gitDir(io.cwd));
  try {
    const findings = new FindingStore(store.database);
    const now = Date.now();
    const repos = opts.repo !== undefined ? [opts.repo] : await reposWithFindings(store.database);
    const all: RepoProfiles[] = [];
    for (const repo of repos) {
      const [judged, counts, health] = await Promise.all([
        findings.judged({ repo }),
        findings.countByState({ repo }),
        new GovernanceStore(store.database).health(repo, now - DEFAULT_ERROR_BUDGET.windowMs),
      ]);
      const profiles = computeProfiles(judged, now, (p, m) => health.get(`${p}\0${m}`) ?? 1);
      if (profiles.length > 0 || total(counts) > 0) all.push({ repo, profiles, counts });
    }
    if (opts.json) io.out(`${JSON.stringify(jsonResult(all), null, 2)}\n`);
    else io.out(text(all, opts.repo));
    return 0;
  } finally {
    await store.close();
  }
}

/** Repositories with a finding in the ledger, in plain string order (the same on SQLite and Postgres). */
async function reposWithFindings(db: Db): Promise<string[]> {
  const rows = await db.kysely.selectFrom("findings").select("repo").distinct().execute();
  return rows.map((r) => r.repo).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function total(counts: Readonly<Record<FindingState, number>>): number {
  return FINDING_STATES.reduce((n, s) => n + counts[s], 0);
}

function text(all: readonly RepoProfiles[], repo: string | undefined): string {
  const rows = [
    [
      "REPO",
      "AGENT",
      "MODEL",
      "KIND",
      "TASK",
      "JUDGED",
      "PRECISION",
      "EXPERTISE",
      "CONFIDENCE",
      "HEALTH",
      "SCORE",
    ],
  ];
  for (const r of all) {
    for (const p of r.profiles) {
      rows.push([
        r.repo,
        p.persona,
        p.model,
        p.stepKind,
        p.taskType,
        String(p.judged),
        p.precision.toFixed(2),
        p.expertise.toFixed(2),
        p.confidence.toFixed(2),
        p.health.toFixed(2),
        p.score.toFixed(2),
      ]);
    }
  }
  const byState = table(all.map((r) => [r.repo, stateCounts(r.counts)]));
  const states = all.length > 0 ? `\nFindings by state:\n${byState}\n` : "";
  if (rows.length === 1) {
    const none = `No judged findings${repo !== undefined ? ` in ${repo}` : ""} yet: ${HOW_TO_JUDGE}\n`;
    return `${none}${states}`;
  }
  return `${table(rows)}\n${states}`;
}

/** `--json`: every profile with its repository, and findings by state per repository; keys in a fixed order. */
function jsonResult(all: readonly RepoProfiles[]) {
  return {
    profiles: all.flatMap((r) =>
      r.profiles.map((p) => ({
        repo: r.repo,
        persona: p.persona,
        model: p.model,
        stepKind: p.stepKind,
        taskType: p.taskType,
        judged: p.judged,
        right: p.right,
        wrong: p.wrong,
        precision: p.precision,
        expertise: p.expertise,
        confidence: p.confidence,
        health: p.health,
        score: p.score,
        curve: p.curve.map((c) => ({ day: c.day, judged: c.judged, precision: c.precision })),
      })),
    ),
    findings: Object.fromEntries(
      all.map((r) => [r.repo, Object.fromEntries(FINDING_STATES.map((s) => [s, r.counts[s]]))]),
    ),
  };
}
