import { parseCondition } from "../workflow/condition.js";
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
  /**
   * Every step this one waits for: its own `depends_on`, the steps its `if:` names, and every step of the phases
   * its phase depends on.
   */
  readonly needs: readonly string[];
  /** Why each need exists, for skip reasons: `step "x"`, `step "x" (named in if:)` or `phase "review"`. */
  readonly needReasons: Readonly<Record<string, string>>;
  readonly when: Step["when"] | null;
  /** The `if:` expression without `${{ }}`; absent when the step has none (and on plans stored before it). */
  readonly if?: string;
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
  /** The persona's `shadow` model: the step runs again on it, findings stored, never posted. */
  readonly shadow?: string;
  /** The persona's `fallback`: who runs the step while this persona and model are suspended. */
  readonly fallback?: {
    readonly persona: string;
    readonly model: string;
    readonly instructions: string | null;
  };
  /** The persona's error budget, defaults filled in (agent steps). */
  readonly errorBudget?: ErrorBudget;
  /** The model that verifies low-confidence findings (`verify: true` → the step's own); absent: no verification. */
  readonly verify?: string;
  /** Findings below this confidence are verified (default 0.7). */
  readonly minConfidence?: number;
  readonly instructions: string | null;
  readonly prompt: string | null;
  readonly with: Readonly<Record<string, unknown>>;
}

/** `agents.<id>.error_budget` with its defaults (spec: 8 errors, 2 repeats, 24 h window, 1 h cooldown). */
export interface ErrorBudget {
  readonly maxErrors: number;
  readonly maxRepeats: number;
  readonly windowMs: number;
  readonly cooldownMs: number;
}

export const DEFAULT_ERROR_BUDGET: ErrorBudget = Object.freeze({
  maxErrors: 8,
  maxRepeats: 2,
  windowMs: 24 * 3_600_000,
  cooldownMs: 3_600_000,
});

/** Verification's default threshold: findings below it are verified. */
export const DEFAULT_MIN_CONFIDENCE = 0.7;

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
  /** `settings.shadow_budget_tokens` (default a quarter of the run's budget). */
  readonly shadowBudgetTokens?: number;
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
    case "eval":
      return DEFAULTS.evalTimeoutMs;
    default:
      return DEFAULTS.mergeTimeoutMs;
  }
}

/** A persona's shadow, fallback, error budget and verification as its steps' plan carries them. */
function personaGovernance(
  file: WorkflowFile,
  persona: NonNullable<WorkflowFile["agents"]>[string],
  defaultModel: string,
): Pick<StepPlan, "shadow" | "fallback" | "errorBudget" | "verify" | "minConfidence"> {
  const own = persona.model ?? persona.models?.[0] ?? defaultModel;
  const fallback = persona.fallback ? file.agents?.[persona.fallback] : undefined;
  const budget = persona.error_budget ?? {};
  return {
    ...(persona.shadow && { shadow: persona.shadow }),
    ...(fallback &&
      persona.fallback && {
        fallback: {
          persona: persona.fallback,
          model: fallback.model ?? fallback.models?.[0] ?? defaultModel,
          instructions: fallback.instructions ?? null,
        },
      }),
    errorBudget: {
      maxErrors: budget.max_errors ?? DEFAULT_ERROR_BUDGET.maxErrors,
      maxRepeats: budget.max_repeats ?? DEFAULT_ERROR_BUDGET.maxRepeats,
      windowMs: budget.window ? parseDuration(budget.window) : DEFAULT_ERROR_BUDGET.windowMs,
      cooldownMs: budget.cooldown ? parseDuration(budget.cooldown) : DEFAULT_ERROR_BUDGET.cooldownMs,
    },
    ...(persona.verify !== undefined &&
      persona.verify !== false && { verify: persona.verify === true ? own : persona.verify }),
    minConfidence: persona.min_confidence ?? DEFAULT_MIN_CONFIDENCE,
  };
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
  const stepIds = new Set([...phaseSteps.values()].flat());

  const steps: StepPlan[] = [];
  for (const [phaseId, phase] of phases) {
    for (const step of phase.steps) {
      const needReasons: Record<string, string> = {};
      for (const dep of step.depends_on ?? []) needReasons[dep] = `step "${dep}"`;
      const condition = step.if === undefined ? null : parseCondition(step.if, stepIds);
      const expression = condition?.ok ? condition.condition.expression : step.if;
      for (const dep of condition?.ok ? condition.condition.steps : []) {
        needReasons[dep] ??= `step "${dep}" (named in if:)`;
      }
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
          ...(expression !== undefined && { if: expression }),
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
          ...(isAgent && personaGovernance(file, persona ?? {}, settings.model ?? DEFAULTS.model)),
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
    shadowBudgetTokens:
      settings.shadow_budget_tokens ??
      Math.floor((opts.maxTokens === undefined ? budget : Math.min(budget, opts.maxTokens)) / 4),
    phases: phases.map(([id, p]) =>
      Object.freeze({ id, name: p.name ?? id, needs: p.depends_on ?? [], steps: phaseSteps.get(id) ?? [] }),
    ),
    steps,
  });
}
