import type { GateCommand } from "../../core/gates/gate-facts.js";
import type { AuditEntry } from "../../engine/ports.js";

/** The audit reason of a gate that opened: `approved by review`, `approved by command` or both. */
export const GATE_OPENED_PREFIX = "approved by ";

/**
 * `/agents approve|reject` commands (and Approve buttons) of a run, read back from its audit trail: the trail is
 * the one durable record of who said what, when. The app's own `approve` entries (a gate that opened, reason
 * `approved by …`) are not commands.
 */
export function gateCommands(audit: readonly AuditEntry[]): GateCommand[] {
  return audit.flatMap((e): GateCommand[] => {
    if (e.action === "reject") {
      return [{ login: e.actor, verb: "reject", stepId: e.stepId, reason: e.reason, at: e.at, bot: false }];
    }
    if (e.action === "approve" && !e.reason?.startsWith(GATE_OPENED_PREFIX)) {
      return [{ login: e.actor, verb: "approve", stepId: e.stepId, reason: null, at: e.at, bot: false }];
    }
    return [];
  });
}
