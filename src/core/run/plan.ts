import { parseDuration } from "../workflow/duration.js";
import {
  AGENT_KINDS,
  DEFAULTS,
  type Severity,
  type Step,
  type StepKind,
  type WorkflowDef,
  type WorkflowFile,
} from "../workflow/workflow.schema.js";

/** A step as the engine runs it: defaults applied, dependencies made explicit. */
export interface StepPlan {
  readonly id: string;
  readonly name: string;
  readonly phaseId: string;
  readonly kind: StepKind;
  /** Every step this one waits for: its own `depends_on` plus every step of the phases its phase depends on. */
  readonly needs: readonly string[];
  /** Why each need exists, for skip reasons: `step "x"` or `phase "review"`. */
  readonly needReasons: Readonly<Record<string, string>>;
  readonly when: Step["when"] | null;
  readonly timeoutMs: number | null;
  /** Retries after the first attempt; 0 for non-agent steps. */
  readonly retries: number;
  readonly continueOnError: boolean;
  readonly isAgent: boolean;
  readonly failOn: Severity | "never";
  /** The default model: the persona's `model`, the first of its `models`, or `settings.model`. */
  readonly model: string;
  /** The persona's `agent:` id, or the step's id when it has none: whose profile the findings teach. */
  readonly persona?: string;
  /** The persona's `models` when it lists more than one: the step picks among them per run (routing). */
  readonly models?: readonly string[];
  readonly instructions: string | null;
  readonly prompt: string | null;
  readonly with: Readonly<Record<string, unknown>>;
}

export interface PhasePlan {
  readonly id: string;
  readonly name: string;
  readonly needs: readonly string[];
  readonly steps: readonly string[];
}

/** A workflow ready to run: phases and steps in the order the file declares them. Plain JSON, stored with the run. */
export interface RunPlan {
  readonly workflowId: string;
  readonly name: string;
  readonly maxParallel: number;
  readonly budgetTokens: number;
  readonly commandPrefix: string;
  /** `settings.min_precision`; null when noise control is off. Absent on plans stored before it existed. */
  readonly minPrecision?: number | null;
  readonly phases: readonly PhasePlan[];
  readonly steps: readonly StepPlan[];
}

function defaultTimeoutMs(kind: StepKind): number | null {
  if (AGENT_KINDS.has(kind)) return DEFAULTS.agentTimeoutMs;
  switch (kind) {
    case "approval":
      return null;
    case "deploy":
      return DEFAULTS.deployTimeoutMs;
    case "checks":
      return DEFAULTS.checksTimeoutMs;
    default:
      return DEFAULTS.mergeTimeoutMs;
  }
}

/**
 * Builds the run plan of one workflow of a file that `parseWorkflow` accepted (templates merged, graph checked).
 * `maxTokens` is the server's cap over the repo's `budget_tokens`.
 */
export function planWorkflow(
  file: WorkflowFile,
  workflowId: string,
  opts: { maxTokens?: number } = {},
): RunPlan {
  const def: WorkflowDef | undefined = file.workflows[workflowId];
  if (!def?.phases) throw new Error(`workflow "${workflowId}" has no phases`);
  const settings = file.settings ?? {};
  const phases = Object.entries(def.phases);
  const phaseSteps = new Map(phases.map(([id, p]) => [id, p.steps.map((s) => s.id)]));

  const steps: StepPlan[] = [];
  for (const [phaseId, phase] of phases) {
    for (const step of phase.steps) {
      const needReasons: Record<string, string> = {};
      for (const dep of step.depends_on ?? []) needReasons[dep] = `step "${dep}"`;
      for (const upstream of phase.depends_on ?? []) {
        for (const dep of phaseSteps.get(upstream) ?? []) needReasons[dep] ??= `phase "${upstream}"`;
      }
      const persona = "agent" in step && step.agent ? file.agents?.[step.agent] : undefined;
      const isAgent = AGENT_KINDS.has(step.uses);
      steps.push(
        Object.freeze({
          id: step.id,
          name: step.name ?? step.id,
          phaseId,
          kind: step.uses,
          needs: Object.keys(needReasons),
          needReasons,
          when: step.when ?? null,
          // A `tests` step that also waits for CI checks gets the checks' default, not an agent's 10 minutes.
          timeoutMs: step.timeout
            ? parseDuration(step.timeout)
            : defaultTimeoutMs(step.uses === "tests" && step.with?.checks ? "checks" : step.uses),
          retries: isAgent
            ? "retries" in step && step.retries !== undefined
              ? step.retries
              : DEFAULTS.retries
            : 0,
          continueOnError: step.continue_on_error ?? false,
          isAgent,
          failOn: "fail_on" in step && step.fail_on ? step.fail_on : DEFAULTS.failOn,
          model: persona?.model ?? persona?.models?.[0] ?? settings.model ?? DEFAULTS.model,
          ...(isAgent && { persona: ("agent" in step && step.agent) || step.id }),
          ...(isAgent && persona?.models && persona.models.length > 1 && { models: persona.models }),
          instructions: persona?.instructions ?? null,
          prompt: step.uses === "agent" ? step.prompt : null,
          with: (step.with ?? {}) as Record<string, unknown>,
        }),
      );
    }
  }

  const budget = settings.budget_tokens ?? DEFAULTS.budgetTokens;
  return Object.freeze({
    workflowId,
    name: def.name ?? workflowId,
    maxParallel: settings.max_parallel ?? DEFAULTS.maxParallel,
    budgetTokens: opts.maxTokens === undefined ? budget : Math.min(budget, opts.maxTokens),
    commandPrefix: settings.command_prefix ?? DEFAULTS.commandPrefix,
    minPrecision: settings.min_precision ?? null,
    phases: phases.map(([id, p]) =>
      Object.freeze({ id, name: p.name ?? id, needs: p.depends_on ?? [], steps: phaseSteps.get(id) ?? [] }),
    ),
    steps,
  });
}
