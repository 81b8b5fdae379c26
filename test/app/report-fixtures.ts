import { isDeepStrictEqual } from "node:util";
import { Reporter } from "../../src/app/report/reporter.js";
import type { Finding } from "../../src/core/findings/finding.js";
import type { RunPlan } from "../../src/core/run/plan.js";
import type { RunEvent } from "../../src/core/run/run-event.js";
import { newRunState, type RunFacts, type RunState, type StepOutput } from "../../src/core/run/run-state.js";
import { transition } from "../../src/core/run/transition.js";
import type { AppHarness } from "./harness.js";
import { INSTALLATION, OWNER, REPO } from "./harness.js";

export const SHA = "abc1234def5678abc1234def5678abc1234def56";
export const NUMBER = 7;
export const T = 1_700_000_000_000;

/** Facts of a PR (or issue) run on acme/widgets #7. */
export function ghFacts(overrides: Partial<RunFacts> = {}): RunFacts {
  return {
    source: "pull_request",
    repo: `${OWNER}/${REPO}`,
    number: NUMBER,
    headSha: SHA,
    baseRef: "main",
    author: "alice",
    labels: [],
    changedFiles: ["src/app.ts"],
    title: "Add a thing",
    github: {
      installationId: INSTALLATION,
      owner: OWNER,
      name: REPO,
      defaultBranch: "main",
      lastPusher: "alice",
      body: null,
      headRef: "feature",
      draft: false,
    },
    ...overrides,
  };
}

/**
 * A run driven by events through the pure core (as the engine would store it), reported by a Reporter of the
 * app under test: each `report()` is one stored change.
 */
export class ReportedRun {
  state: RunState;
  private at = T;

  constructor(
    readonly reporter: Reporter,
    plan: RunPlan,
    opts: { id?: string; facts?: Partial<RunFacts> } = {},
  ) {
    const run = newRunState({ id: opts.id ?? "run-1", plan, facts: ghFacts(opts.facts), createdAt: T });
    this.state = this.apply(run, [{ type: "start", at: T }]);
    this.claim();
  }

  static of(
    h: AppHarness,
    plan: RunPlan,
    opts: { id?: string; facts?: Partial<RunFacts> } = {},
  ): ReportedRun {
    return new ReportedRun(new Reporter(h.services), plan, opts);
  }

  private apply(run: RunState, events: RunEvent[]): RunState {
    const next = transition(run, events).state;
    return { ...next, version: run.version + 1 };
  }

  send(...events: RunEvent[]): this {
    this.state = this.apply(this.state, events);
    return this;
  }

  claim(): this {
    this.at += 1000;
    return this.send({ type: "claim", at: this.at, worker: "w1", leaseMs: 600_000 });
  }

  succeed(stepId: string, output: Partial<StepOutput> = {}): this {
    const s = this.state.steps.get(stepId);
    this.at += 1000;
    this.send({
      type: "step-succeeded",
      at: this.at,
      stepId,
      worker: s?.leaseOwner ?? "w1",
      attempt: s?.attempts ?? 1,
      output: { summary: `${stepId} ok`, ...output },
    });
    return this.claim();
  }

  fail(stepId: string, output: Partial<StepOutput> = {}): this {
    const s = this.state.steps.get(stepId);
    this.at += 1000;
    this.send({
      type: "step-failed",
      at: this.at,
      stepId,
      worker: s?.leaseOwner ?? "w1",
      attempt: s?.attempts ?? 1,
      error: `${stepId}: findings at fail_on`,
      retryable: false,
      output: { summary: `${stepId} failed`, ...output },
    });
    return this.claim();
  }

  wait(stepId: string, waitingFor: "approval" | "deployment" | "checks" = "approval"): this {
    const s = this.state.steps.get(stepId);
    this.at += 1000;
    return this.send({
      type: "step-waiting",
      at: this.at,
      stepId,
      worker: s?.leaseOwner ?? "w1",
      attempt: s?.attempts ?? 1,
      waitingFor,
    });
  }

  /** One stored change: what the engine's onChange hands the reporter. */
  report(): this {
    this.reporter.onChange(this.state, []);
    return this;
  }
}

export function finding(
  file: string,
  line: number | null,
  title: string,
  severity: Finding["severity"] = "medium",
): Finding {
  return { file, line, severity, title, body: `About ${title}.` };
}

/** `n` findings on distinct lines of src/big.ts. */
export function manyFindings(n: number): Finding[] {
  return Array.from({ length: n }, (_, i) => finding("src/big.ts", i + 1, `Issue ${i + 1}`, "low"));
}

/**
 * A nock body matcher for exactly this body. Nock may try a matcher on a request for another path, so it answers
 * false (never throws); a request that matches nothing stays in `nock.pendingMocks()` and fails the test there.
 */
export function exactly(expected: unknown, seen: unknown[] = []): (actual: unknown) => boolean {
  const want = JSON.parse(JSON.stringify(expected)) as unknown;
  return (actual) => {
    if (!isDeepStrictEqual(actual, want)) return false;
    seen.push(actual);
    return true;
  };
}
