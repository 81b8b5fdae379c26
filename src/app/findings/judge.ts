import { fingerprintsIn } from "../../core/findings/finding-fingerprint.js";
import { type Judgement, type JudgementSource, judgementClears } from "../../core/findings/judgement.js";
import type { JobRepo } from "../../core/webhooks/webhook-job.js";
import type { LedgerFinding } from "../../db/finding-store.js";
import { evaluateEscalatedGates } from "../gates/evaluate.js";
import { canWrite, repoPermission } from "../permissions/repo-access.js";
import type { AppServices } from "../services.js";

/** Who may not clear a PR's findings (its author and last pusher), and the PR's command prefix. */
export interface PrPeople {
  readonly author: string | null;
  readonly lastPusher: string | null;
  readonly prefix: string;
}

/** The PR's author, last pusher and command prefix, from its newest run (none: nobody known, `/agents`). */
export async function prPeople(s: AppServices, repo: JobRepo, number: number): Promise<PrPeople> {
  const [newest] = await s.github.runIdsFor(repo.fullName, number);
  const run = newest ? await s.store.loadRun(newest) : null;
  return {
    author: run?.facts.author ?? null,
    lastPusher: run?.facts.github?.lastPusher ?? null,
    prefix: run?.plan.commandPrefix ?? "/agents",
  };
}

/** Whether `login` has write access now (checked like commands); bots never judge. */
export async function mayJudge(s: AppServices, repo: JobRepo, login: string): Promise<boolean> {
  if (!login || login.toLowerCase().endsWith("[bot]")) return false;
  const has = await repoPermission(
    s,
    { installationId: repo.installationId, owner: repo.owner, name: repo.name },
    login,
  );
  return canWrite(has);
}

/** The app's finding a comment body carries, if the ledger of this PR has it. */
export async function findingIn(
  s: AppServices,
  repo: JobRepo,
  number: number,
  body: string,
): Promise<LedgerFinding | null> {
  for (const fp of fingerprintsIn(body)) {
    const found = await s.findings.get(repo.fullName, number, fp);
    if (found) return found;
  }
  return null;
}

/**
 * Records one judgement of a writer on a finding: the ledger row (by the spec's precedence), the judgement's own
 * row, and the run's audit trail (`judge-<judgement>`); when it changed the state, the PR's waiting gates that
 * can escalate are evaluated again by the caller (`reevaluateGates`, once per event). Returns the finding after it
 * and whether it changed.
 */
export async function recordJudgement(
  s: AppServices,
  repo: JobRepo,
  finding: LedgerFinding,
  j: { judgement: Judgement; source: JudgementSource; actor: string; reason: string | null; at: number },
  people: Pick<PrPeople, "author" | "lastPusher">,
): Promise<{ finding: LedgerFinding; applied: boolean } | null> {
  const clears = judgementClears(j.judgement, j.actor, people);
  const result = await s.findings.judge(repo.fullName, finding.number, finding.fingerprint, { ...j, clears });
  if (!result) return null;
  const where = finding.line === null ? finding.file : `${finding.file}:${finding.line}`;
  await s.store.appendAudit({
    runId: finding.runId,
    at: j.at,
    actor: j.actor,
    action: `judge-${j.judgement}`,
    stepId: finding.stepId,
    sha: finding.headSha,
    reason: [
      `${j.source}: ${where} "${finding.title.slice(0, 120)}" (${finding.fingerprint})`,
      ...(j.reason ? [j.reason] : []),
      ...(result.applied ? [] : ["not applied: a later explicit judgement stands"]),
    ].join(" · "),
  });
  s.log.info(
    {
      repo: repo.fullName,
      number: finding.number,
      fingerprint: finding.fingerprint,
      judgement: j.judgement,
      source: j.source,
      actor: j.actor,
      applied: result.applied,
    },
    "finding judged",
  );
  return result;
}

/**
 * After an event's judgements: when any changed a state, a finding may have stopped (or started again) escalating
 * a waiting gate, so the PR's gates that can escalate are evaluated again — once per event, not per finding.
 */
export async function reevaluateGates(
  s: AppServices,
  repo: JobRepo,
  number: number,
  anyApplied: boolean,
): Promise<void> {
  if (anyApplied) await evaluateEscalatedGates(s, repo.fullName, number);
}
