import type { FileDiff } from "../../src/core/diff/diff.js";
import type { AgentRequest } from "../../src/engine/ports.js";

/** An agent request with sensible defaults for tests. */
export function agentRequest(
  kind: AgentRequest["kind"],
  files: readonly FileDiff[],
  over: Partial<AgentRequest> = {},
): AgentRequest {
  return {
    kind,
    stepId: `${kind}-step`,
    model: "gpt-4o-mini",
    instructions: null,
    files,
    pr: { title: "Add the widget", body: "It adds a widget." },
    issue: null,
    prompt: null,
    signal: new AbortController().signal,
    ...over,
  };
}
