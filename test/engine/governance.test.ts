import { describe, expect, test } from "vitest";
import { planWorkflow } from "../../src/core/run/plan.js";
import { newRunState, type RunState } from "../../src/core/run/run-state.js";
import type { WorkflowFile } from "../../src/core/workflow/workflow.schema.js";
import type {
  AgentProvider,
  AgentReply,
  AgentRequest,
  BudgetEntry,
  GovernancePort,
  Suspension,
} from "../../src/engine/ports.js";
import { addedFile } from "../fixtures/file-diff.js";
import { execStep, prInputs } from "./agent-run.js";

const NOW = Date.parse("2026-12-07T13:05:00Z");
const SUSPENDED: Suspension = { until: NOW + 3_600_000, reason: "9 errors in 24 h (last: 502 Bad Gateway)" };
const MESSAGE =
  'agent "reviewer" (gpt-a) suspended until 14:05 UTC: 9 errors in 24 h (last: 502 Bad Gateway)';

function run(agents: WorkflowFile["agents"]): RunState {
  const file: WorkflowFile = {
    version: 1,
    agents,
    workflows: {
      w: { phases: { p: { steps: [{ id: "code-review", uses: "review", agent: "reviewer" }] } } },
    },
  };
  return newRunState({
    id: "run-1",
    plan: planWorkflow(file, "w"),
    facts: {
      source: "local",
      repo: "acme/widgets",
      number: 1,
      headSha: "b".repeat(40),
      baseRef: "main",
      author: "alice",
      labels: [],
      changedFiles: [],
      title: "t",
    },
    createdAt: 0,
  });
}

const WITH_FALLBACK: WorkflowFile["agents"] = {
  reviewer: { model: "gpt-a", instructions: "Reviewer's rules.", fallback: "backup" },
  backup: { model: "gpt-b", instructions: "Backup's rules." },
};

/** A port with `suspended` (persona/model → suspension) that records what it is told. */
function port(suspended: Record<string, Suspension> = {}) {
  const recorded: BudgetEntry[] = [];
  const p: GovernancePort = {
    suspended: async () =>
      new Map(Object.entries(suspended).map(([k, v]) => [k.replace("/", "\0"), v] as const)),
    record: async (entry) => {
      recorded.push(entry);
      return null;
    },
  };
  return { port: p, recorded };
}

/** A provider that answers, or throws `error`, and records what it was asked. */
function provider(error?: Error) {
  const requests: AgentRequest[] = [];
  const p: AgentProvider = {
    label: "fake",
    async run(req): Promise<AgentReply> {
      requests.push(req);
      if (error) throw error;
      return {
        findings: [],
        text: "fine",
        usage: { promptTokens: 10, completionTokens: 5 },
        provider: "fake",
        notReviewed: [],
      };
    },
  };
  return { provider: p, requests };
}

const INPUTS = prInputs([addedFile("src/a.ts", ["export const a = 1;"])]);

describe("error budgets in the agent executor", () => {
  test("suspended with a fallback: the fallback persona's model and instructions run the step, and the summary says why", async () => {
    const g = port({ "reviewer/gpt-a": SUSPENDED });
    const p = provider();
    const result = await execStep(run(WITH_FALLBACK), "code-review", {
      provider: p.provider,
      inputs: async () => INPUTS,
      governance: g.port,
      now: () => NOW,
    });
    expect(p.requests.map((r) => [r.model, r.instructions])).toEqual([["gpt-b", "Backup's rules."]]);
    expect(result.outcome).toBe("succeeded");
    expect(result.outcome === "succeeded" && result.output.summary).toBe(
      `no findings · run by fallback "backup" (gpt-b): ${MESSAGE}`,
    );
    expect(g.recorded.map((e) => [e.persona, e.model, e.error])).toEqual([["backup", "gpt-b", null]]);
  });

  test("suspended without a fallback: the step fails at once with the spec's message, no call made", async () => {
    const g = port({ "reviewer/gpt-a": SUSPENDED });
    const p = provider();
    const result = await execStep(run({ reviewer: { model: "gpt-a" } }), "code-review", {
      provider: p.provider,
      inputs: async () => INPUTS,
      governance: g.port,
      now: () => NOW,
    });
    expect(result).toEqual({ outcome: "failed", retryable: false, error: MESSAGE });
    expect(p.requests).toEqual([]);
    expect(g.recorded).toEqual([]);
  });

  test("the fallback suspended too: fails with both", async () => {
    const g = port({ "reviewer/gpt-a": SUSPENDED, "backup/gpt-b": SUSPENDED });
    const result = await execStep(run(WITH_FALLBACK), "code-review", {
      provider: provider().provider,
      inputs: async () => INPUTS,
      governance: g.port,
      now: () => NOW,
    });
    expect(result).toEqual({
      outcome: "failed",
      retryable: false,
      error: `${MESSAGE}; its fallback agent "backup" (gpt-b) suspended until 14:05 UTC: 9 errors in 24 h (last: 502 Bad Gateway)`,
    });
  });

  test("a provider error is counted with its message; an open circuit is not", async () => {
    for (const [message, counted] of [
      ["openai gpt-a: 502 Bad Gateway", true],
      ["model endpoint unavailable: circuit open", false],
    ] as const) {
      const g = port();
      const result = await execStep(run({ reviewer: { model: "gpt-a" } }), "code-review", {
        provider: provider(new Error(message)).provider,
        inputs: async () => INPUTS,
        governance: g.port,
        now: () => NOW,
      });
      expect(result.outcome).toBe("failed");
      expect(g.recorded).toEqual(
        counted
          ? [
              {
                repo: "acme/widgets",
                persona: "reviewer",
                model: "gpt-a",
                error: message,
                at: NOW,
                runId: "run-1",
                stepId: "code-review",
              },
            ]
          : [],
      );
    }
  });

  test("a timeout is counted as `timed out`", async () => {
    const g = port();
    const controller = new AbortController();
    const hanging: AgentProvider = {
      label: "fake",
      run: (req) =>
        new Promise((_, reject) => {
          req.signal.addEventListener("abort", () => reject(req.signal.reason));
          controller.abort(new Error("timed out"));
        }),
    };
    await expect(
      execStep(
        run({ reviewer: { model: "gpt-a" } }),
        "code-review",
        { provider: hanging, inputs: async () => INPUTS, governance: g.port, now: () => NOW },
        controller.signal,
      ),
    ).rejects.toThrow("timed out");
    expect(g.recorded.map((e) => e.error)).toEqual(["timed out"]);
  });
});
