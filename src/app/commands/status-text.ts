import { stateCounts } from "../../core/findings/state-counts.js";
import type { FindingState } from "../../core/learning/profiles.js";
import { noMentions } from "../../core/present/markdown-escape.js";
import { stepsTable, waitingGates } from "../../core/present/present.js";
import type { RunState } from "../../core/run/run-state.js";

/**
 * `/agents status`: each current run's step table and its waiting gates with who can satisfy them; on a PR, its
 * posted findings by state.
 */
export function statusText(
  runs: readonly RunState[],
  findings: Readonly<Record<FindingState, number>> | null = null,
): string {
  const total = findings ? Object.values(findings).reduce((a, b) => a + b, 0) : 0;
  const tail = findings && total > 0 ? `\n\nFindings: ${stateCounts(findings)}` : "";
  return (
    runs
      .map((run) => {
        const head = `**${run.plan.name}** on \`${run.facts.headSha.slice(0, 7)}\`: ${run.status}`;
        // A status request must not notify the teams it names.
        const gates = waitingGates(run).map(
          (g) => `- \`${g.stepId}\` ${noMentions(`${g.missing} (who: ${g.who})`)}`,
        );
        const table = stepsTable(
          run,
          run.plan.steps.map((p) => p.id),
        );
        return [head, "", table, ...(gates.length > 0 ? ["", "Waiting gates:", ...gates] : [])].join("\n");
      })
      .join("\n\n") + tail
  );
}
