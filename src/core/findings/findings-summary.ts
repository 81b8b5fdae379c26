import { SEVERITIES } from "../workflow/workflow.schema.js";
import type { Finding } from "./finding.js";

/**
 * Counts findings by severity, worst first.
 *
 * @example findingsSummary([high, low, low]) // → "3 findings (1 high, 2 low)"; [] → "no findings"
 */
export function findingsSummary(findings: readonly Finding[]): string {
  if (findings.length === 0) return "no findings";
  const counts = SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return `${findings.length} finding${findings.length === 1 ? "" : "s"} (${counts.join(", ")})`;
}
