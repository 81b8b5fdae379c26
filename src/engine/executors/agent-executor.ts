import type { FileDiff } from "../../core/diff.js";
import { diffText } from "../../core/diff-text.js";
import { type Finding, failsVerdict, severityRank, sortFindings } from "../../core/finding.js";
import type { RunState } from "../../core/run-state.js";
import { scanSecrets } from "../../core/secret-scan.js";
import { SEVERITIES } from "../../core/workflow.schema.js";
import { errorMessage } from "../engine.js";
import type { AgentProvider, AgentRequest, StepExecutor, StepResult } from "../ports.js";
import { renderPrompt } from "./render-prompt.js";

/** What an agent step reads: the diff and the PR or issue text. Loaded once per run by the caller. */
export interface AgentInputs {
  readonly files: readonly FileDiff[];
  readonly pr: { readonly title: string; readonly body: string } | null;
  readonly issue: { readonly title: string; readonly body: string } | null;
}

export interface AgentExecutorOptions {
  readonly provider: AgentProvider;
  readonly inputs: (run: RunState) => Promise<AgentInputs>;
}

/** "3 findings (1 high, 2 low)" or "no findings". */
export function findingsSummary(findings: readonly Finding[]): string {
  if (findings.length === 0) return "no findings";
  const counts = SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return `${findings.length} finding${findings.length === 1 ? "" : "s"} (${counts.join(", ")})`;
}

function dedupe(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.file}\0${f.line}\0${f.title}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function earlierOutputs(run: RunState): Record<string, { output: string }> {
  const out: Record<string, { output: string }> = {};
  for (const s of run.steps.values()) {
    if (s.status === "succeeded" && s.output) out[s.id] = { output: s.output.text ?? s.output.summary };
  }
  return out;
}

/**
 * Runs `review`, `security`, `tests` and `agent` steps through a provider:
 * 1. refuse to start when the run's token budget is spent;
 * 2. build the request (the `agent` prompt rendered from its template);
 * 3. call the provider; `security` adds the deterministic secret scan, which needs no model;
 * 4. fail the step when a finding reaches `fail_on` — a verdict, so it is not retried.
 * Provider errors propagate: the engine retries them with backoff.
 */
export function agentExecutor(opts: AgentExecutorOptions): StepExecutor {
  return async ({ run, step, signal }): Promise<StepResult> => {
    if (run.tokens >= run.plan.budgetTokens) {
      return {
        outcome: "failed",
        retryable: false,
        error: `token budget exhausted: the run used ${run.tokens} of ${run.plan.budgetTokens} tokens`,
      };
    }
    const inputs = await opts.inputs(run);
    const kind = step.kind as AgentRequest["kind"];
    let prompt: string | null = null;
    if (step.prompt !== null) {
      try {
        prompt = renderPrompt(step.prompt, {
          pr: inputs.pr,
          issue: inputs.issue,
          diff: diffText(inputs.files),
          steps: earlierOutputs(run),
        });
      } catch (err) {
        // The template is the same on every attempt: retrying cannot help.
        return { outcome: "failed", retryable: false, error: `prompt template: ${errorMessage(err)}` };
      }
    }
    const reply = await opts.provider.run({
      kind,
      stepId: step.id,
      model: step.model,
      instructions: step.instructions,
      files: inputs.files,
      pr: inputs.pr,
      issue: inputs.issue,
      prompt,
      signal,
    });
    const scanned = kind === "security" ? scanSecrets(inputs.files) : [];
    const findings = sortFindings(dedupe([...scanned, ...reply.findings]));
    const tokens = reply.usage.promptTokens + reply.usage.completionTokens;
    const output = {
      summary: kind === "agent" ? firstLine(reply.text) : findingsSummary(findings),
      findings,
      text: reply.text,
      provider: reply.provider,
      notReviewed: reply.notReviewed,
    };
    const failOn = step.failOn;
    if (failOn !== "never" && failsVerdict(findings, failOn)) {
      const worst = findings.filter((f) => severityRank(f.severity) <= severityRank(failOn)).length;
      return {
        outcome: "failed",
        retryable: false,
        error: `${worst} finding${worst === 1 ? "" : "s"} at or above ${failOn}`,
        output,
        tokens,
      };
    }
    return { outcome: "succeeded", output, tokens };
  };
}

function firstLine(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > 120 ? `${line.slice(0, 117)}…` : line || "no output";
}
