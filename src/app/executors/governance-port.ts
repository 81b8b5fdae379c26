import { suspensionMessage } from "../../core/governance/error-budget.js";
import type { GovernancePort } from "../../engine/ports.js";
import type { AppServices } from "../services.js";

/**
 * The error budgets as agent steps see them: the database's, with every suspension audited on the run that spent
 * the budget (`suspend`, by `phasegate`) and logged.
 */
export function governancePort(s: Pick<AppServices, "governance" | "store" | "log">): GovernancePort {
  return {
    suspended: (repo, now) => s.governance.suspended(repo, now),
    async record(entry, budget) {
      const suspended = await s.governance.record(entry, budget);
      if (suspended) {
        const message = suspensionMessage(entry.persona, entry.model, suspended, entry.at);
        await s.store.appendAudit({
          runId: entry.runId,
          at: entry.at,
          actor: "phasegate",
          action: "suspend",
          stepId: entry.stepId,
          sha: null,
          reason: message,
        });
        s.log.warn(
          { repo: entry.repo, persona: entry.persona, model: entry.model, until: suspended.until },
          message,
        );
      }
      return suspended;
    },
  };
}
