import type { FileDiff } from "../../core/diff/diff.js";
import { addressedBy } from "../../core/findings/addressed.js";
import type { JobRepo } from "../../core/webhooks/webhook-job.js";
import type { AppServices } from "../services.js";
import { prPeople, recordJudgement, reevaluateGates } from "./judge.js";
import { resolveThreads } from "./resolve-threads.js";

/**
 * A push (`synchronize`) that changed the flagged code of open findings: each becomes `addressed` (a finding
 * someone already judged keeps its judgement) and its thread is resolved by the app. `files` are the PR's files
 * at the new head. No request is made when the PR has no open finding with known code.
 */
export async function addressOnPush(
  s: AppServices,
  repo: JobRepo,
  number: number,
  files: readonly FileDiff[],
  pusher: string,
): Promise<void> {
  const ledger = await s.findings.forPr(repo.fullName, number);
  const flagged = ledger.flatMap((f) =>
    f.codeHash !== null && f.codeChangedAt === null && f.postedIn !== "held-back"
      ? [{ fingerprint: f.fingerprint, file: f.file, codeHash: f.codeHash }]
      : [],
  );
  if (flagged.length === 0) return;
  const changed = new Set(addressedBy(flagged, files));
  if (changed.size === 0) return;
  const people = await prPeople(s, repo, number);
  const at = s.now();
  const addressed = [];
  for (const f of ledger) {
    if (!changed.has(f.fingerprint)) continue;
    const result = await recordJudgement(
      s,
      repo,
      f,
      { judgement: "addressed", source: "push", actor: pusher || "phasegate", reason: null, at },
      people,
    );
    if (result?.applied) addressed.push(result.finding);
  }
  await reevaluateGates(s, repo, number, addressed.length > 0);
  await resolveThreads(s, repo, number, addressed);
}
