import { z } from "zod";

/**
 * The zod schema of `.agents/workflow.yaml` (see `docs/workflow-file.md`).
 *
 * Objects are strict so that a typo is an error, never silently ignored. Graph checks (duplicate ids,
 * unknown `depends_on` targets, cycles, unknown agents) live in `check-workflow.ts`, outside the schema, so the
 * generated JSON Schema stays clean.
 */

/** Step kinds, in the order the spec lists them. */
export const STEP_KINDS = [
  "review",
  "security",
  "tests",
  "agent",
  "approval",
  "checks",
  "merge",
  "deploy",
  "eval",
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** Kinds that call a model (or the heuristic provider); only these count against `max_parallel`. */
export const AGENT_KINDS: ReadonlySet<StepKind> = new Set(["review", "security", "tests", "agent"]);
/** Kinds that need a pull request; an `issues` workflow may not use them. */
export const PR_ONLY_KINDS: ReadonlySet<StepKind> = new Set([
  "review",
  "security",
  "tests",
  "checks",
  "merge",
  "deploy",
  "eval",
]);

export const SEVERITIES = ["blocker", "high", "medium", "low"] as const;
export type Severity = (typeof SEVERITIES)[number];

const ID_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

/** An id: lower-case letters, digits, `_` and `-`, starting with a letter or digit. Example: `code-review`. */
export const Id = z
  .string()
  .regex(ID_PATTERN, { error: "expected an id like `code-review` ([a-z0-9][a-z0-9_-]*)" });

/** A duration: a whole number and a unit, `ms`, `s`, `m` or `h`. Example: `90s`, `10m`. */
export const Duration = z
  .string()
  .regex(/^[1-9][0-9]*(ms|s|m|h)$/, { error: "expected a duration like `90s` or `10m`" });

const GlobList = z.array(z.string().min(1)).min(1);

/** A declarative condition; every key given must match, else the step is skipped. */
export const When = z
  .strictObject({
    /** The PR or issue has at least one of these labels. */
    labels: GlobList.optional().describe("The PR or issue has at least one of these labels."),
    /** At least one changed file matches one of these globs. */
    paths: GlobList.optional().describe("At least one changed file matches one of these globs."),
    /** The PR or issue author is one of these logins. */
    authors: GlobList.optional().describe("The PR or issue author is one of these logins."),
    /** The PR's base branch matches one of these globs. */
    base: GlobList.optional().describe("The PR's base branch matches one of these globs."),
  })
  .describe("A declarative condition: every key given must match, else the step is skipped.");

/** Keys every step kind accepts. */
const stepCommon = {
  /** Unique in the workflow. */
  id: Id.describe("Unique in the workflow; other steps name it in `depends_on`."),
  /** Display name (defaults to the id). */
  name: z.string().min(1).optional().describe("Display name (defaults to the id)."),
  /** Ids of steps, anywhere in the workflow, that must finish first. */
  depends_on: z
    .array(Id)
    .optional()
    .describe("Ids of steps, anywhere in the workflow, that must finish first."),
  /** Run only when this condition holds; otherwise the step is `skipped`. */
  when: When.optional(),
  /** A GitHub Actions expression, e.g. `${{ steps.code-review.findings.high > 0 }}`; false skips the step. */
  if: z.string().min(1).optional().describe(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: `${{ … }}` is the expression syntax, not a placeholder.
    "A GitHub Actions expression, `${{ … }}` or bare, e.g. `${{ steps.code-review.findings.high > 0 || contains(pr.labels, 'security') }}`. Reads steps.<id>.outcome, steps.<id>.findings.{blocker,high,medium,low,total}, pr.{author,labels,base,additions,deletions,files}, issue.{author,labels}, run.tokens. Evaluated once the steps it names have finished (it waits for them like depends_on); false skips the step.",
  ),
  /** Time limit, e.g. `90s`, `10m`. Defaults: agent steps 10m, approval none, deploy and eval 30m. */
  timeout: Duration.optional().describe(
    "Time limit, e.g. `90s`, `10m`. Defaults: agent steps 10m, approval none, deploy and eval 30m.",
  ),
  /** Let the phase succeed even if this step fails (the failure stays visible). */
  continue_on_error: z.boolean().optional().describe("Let the phase succeed even if this step fails."),
};

/** Extra keys for steps that call a model. */
const agentCommon = {
  ...stepCommon,
  /** A persona from `agents:`. */
  agent: Id.optional().describe("A persona from `agents:`."),
  /** Retries after a failed attempt, with exponential backoff (default 2). */
  retries: z
    .number()
    .int()
    .min(0)
    .max(10)
    .optional()
    .describe("Retries after a failed attempt, with backoff (default 2)."),
};

const FailOn = z
  .enum([...SEVERITIES, "never"])
  .describe("Fail the step when a finding at or above this severity exists (default high).");

const ReviewStep = z.strictObject({
  ...agentCommon,
  uses: z.literal("review").describe("LLM code review of the PR diff."),
  fail_on: FailOn.optional(),
  with: z.strictObject({}).optional(),
});

const SecurityStep = z.strictObject({
  ...agentCommon,
  uses: z.literal("security").describe("LLM security review plus a deterministic secret scan."),
  fail_on: FailOn.optional(),
  with: z.strictObject({}).optional(),
});

const TestsStep = z.strictObject({
  ...agentCommon,
  uses: z
    .literal("tests")
    .describe("LLM test-gap analysis; with `with.checks`, also waits for those CI checks."),
  fail_on: FailOn.optional(),
  with: z
    .strictObject({
      /** CI check runs on the head SHA that must succeed, e.g. `ci / test`. */
      checks: z.array(z.string().min(1)).min(1).optional().describe("CI check runs that must succeed."),
    })
    .optional(),
});

const AgentStep = z.strictObject({
  ...agentCommon,
  uses: z.literal("agent").describe("Generic LLM step driven by `prompt`."),
  /** Prompt template: `{{ pr.title }}`, `{{ pr.body }}`, `{{ issue.title }}`, `{{ issue.body }}`, `{{ diff }}`, `{{ steps.<id>.output }}`. */
  prompt: z
    .string()
    .min(1)
    .describe(
      "Prompt template: {{ pr.title }}, {{ pr.body }}, {{ issue.title }}, {{ issue.body }}, {{ diff }}, {{ steps.<id>.output }}.",
    ),
  with: z
    .strictObject({
      /** `comment` posts the step's output as a comment on the PR or issue. */
      post: z.literal("comment").optional().describe("`comment` posts the output as a comment."),
    })
    .optional(),
});

/** `@org/team` or a user login. */
const Approver = z.string().regex(/^@?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\/[A-Za-z0-9._-]+)?$/, {
  error: "expected a login like `octocat` or a team like `@acme/maintainers`",
});

const ApprovalStep = z.strictObject({
  ...stepCommon,
  uses: z.literal("approval").describe("Human gate."),
  with: z
    .strictObject({
      /** Approvals needed (default 1). */
      count: z.number().int().min(1).max(20).optional().describe("Approvals needed (default 1)."),
      /** Who may approve: logins and `@org/team`s, or `codeowners`. */
      from: z
        .union([z.array(Approver).min(1), z.literal("codeowners")])
        .optional()
        .describe("Who may approve: logins and `@org/team`s, or `codeowners`."),
      /** Accept approvals given on an older head SHA. */
      stale: z.boolean().optional().describe("Accept approvals given on an older head SHA."),
      /** While the run has an open finding at or above `on`, the gate needs `count` approvals from `from` instead. */
      escalate: z
        .strictObject({
          on: z.enum(SEVERITIES).describe("Lowest severity of an open finding that escalates the gate."),
          count: z
            .number()
            .int()
            .min(1)
            .max(20)
            .optional()
            .describe("Approvals needed while escalated (default: the gate's count)."),
          from: z
            .union([z.array(Approver).min(1), z.literal("codeowners")])
            .optional()
            .describe("Who may approve while escalated (default: the gate's from)."),
        })
        .optional()
        .describe(
          "While the run has an open finding (not judged wrong or dismissed) at or above `on`, the gate needs the escalated `count` and `from` instead.",
        ),
    })
    .optional(),
});

const ChecksStep = z.strictObject({
  ...stepCommon,
  uses: z.literal("checks").describe("Waits for named check runs or commit statuses on the head SHA."),
  with: z.strictObject({
    /** Check-run or status names, e.g. `ci / test`. */
    checks: z.array(z.string().min(1)).min(1).describe("Check-run or status names, e.g. `ci / test`."),
  }),
});

const MergeStep = z.strictObject({
  ...stepCommon,
  uses: z.literal("merge").describe("Merges the PR at the approved head SHA."),
  with: z
    .strictObject({
      method: z.enum(["merge", "squash", "rebase"]).optional().describe("Merge method (default merge)."),
    })
    .optional(),
});

const DeployStep = z.strictObject({
  ...stepCommon,
  uses: z.literal("deploy").describe("Creates a GitHub Deployment and waits for its status."),
  with: z.strictObject({
    /** Deployment environment, e.g. `staging`. */
    environment: z.string().min(1).describe("Deployment environment, e.g. `staging`."),
    /** On failure, re-deploy the environment's last successful SHA. */
    rollback: z.boolean().optional().describe("On failure, re-deploy the environment's last successful SHA."),
  }),
});

/** A folder of the repository: relative, without `..`. */
const RepoFolder = z.string().regex(/^(?!\/)(?!(?:.*\/)?\.\.(?:\/|$)).+$/, {
  error: "expected a folder of the repository like `.agents/evals` (relative, without `..`)",
});

const Ratio = z.number().min(0).max(1);

const EvalStep = z.strictObject({
  ...stepCommon,
  uses: z
    .literal("eval")
    .describe(
      "When the PR changes `.agents/`: evaluates the PR's agent settings beside the default branch's on the default branch's cases; fails when the PR's precision or recall is below a threshold or more than 5 points below the default branch's.",
    ),
  with: z
    .strictObject({
      /** The PR's workflow precision on the cases may not be below this (0 to 1). */
      min_precision: Ratio.optional().describe(
        "Fail when the PR's precision on the cases (every agent step on its default model) is below this ratio.",
      ),
      /** The PR's workflow recall on the cases may not be below this (0 to 1). */
      min_recall: Ratio.optional().describe(
        "Fail when the PR's recall on the cases (every agent step on its default model) is below this ratio.",
      ),
      /** The folder of cases, always read from the default branch (default `.agents/evals`). */
      cases: RepoFolder.optional().describe(
        "The folder of cases (change.diff and expected.yaml per case), read from the default branch, never the PR's (default .agents/evals).",
      ),
    })
    .optional(),
});

/** One step of a phase; `uses` picks the kind. */
export const Step = z.discriminatedUnion("uses", [
  ReviewStep,
  SecurityStep,
  TestsStep,
  AgentStep,
  ApprovalStep,
  ChecksStep,
  MergeStep,
  DeployStep,
  EvalStep,
]);
export type Step = z.infer<typeof Step>;

/** A phase: one check run `agents / <name>`. */
export const Phase = z.strictObject({
  /** Check run "agents / <name>" (default: the id). */
  name: z.string().min(1).optional().describe('Check run "agents / <name>" (default: the id).'),
  /** Ids of phases that must succeed first. */
  depends_on: z.array(Id).optional().describe("Ids of phases that must succeed first."),
  /** One or more steps. */
  steps: z.array(Step).min(1).describe("One or more steps."),
});
export type Phase = z.infer<typeof Phase>;

const PullRequestTrigger = z
  .strictObject({
    /** Only PRs with one of these labels (a matching `labeled` starts the run). */
    labels: z.array(z.string().min(1)).min(1).optional().describe("Only PRs with one of these labels."),
    /** Base-branch globs. */
    branches: GlobList.optional().describe("Base-branch globs."),
    /** Only if a changed file matches one of these globs. */
    paths: GlobList.optional().describe("Only if a changed file matches one of these globs."),
    /** Run on draft PRs too (default false). */
    drafts: z.boolean().optional().describe("Run on draft PRs too (default false)."),
  })
  .describe("Run on PR opened / reopened / synchronize / ready_for_review / labeled.");

const IssuesTrigger = z
  .strictObject({
    /** Required: issues with one of these labels. */
    labels: z.array(z.string().min(1)).min(1).describe("Issues with one of these labels."),
  })
  .describe("Run on issue opened / labeled.");

/** One workflow: its triggers and its phases. */
export const WorkflowDef = z.strictObject({
  /** Display name. */
  name: z.string().min(1).optional().describe("Display name."),
  /** Start from a built-in template, then merge the keys given here. */
  template: z
    .string()
    .min(1)
    .optional()
    .describe("Start from a built-in template, then merge the keys given here."),
  /** Triggers. Without `on`, the workflow runs only through `/agents run <id>`. */
  on: z
    .strictObject({
      // `pull_request:` with nothing after it is YAML null: the trigger with no filters.
      pull_request: PullRequestTrigger.nullable().optional(),
      issues: IssuesTrigger.optional(),
    })
    .optional()
    .describe("Triggers. Without `on`, the workflow runs only through `/agents run <id>`."),
  /** Phases keyed by id; one check run each. Required unless `template` gives them. */
  phases: z
    .record(Id, Phase)
    .optional()
    .describe("Phases keyed by id; one check run each. Required unless `template` gives them."),
});
export type WorkflowDef = z.infer<typeof WorkflowDef>;

/** A persona reused by steps through `agent:`. */
export const Agent = z.strictObject({
  /** Falls back to `settings.model`. */
  model: z.string().min(1).optional().describe("Falls back to `settings.model`."),
  /**
   * Candidate models: each run uses the best-scoring one on the PR's dominant task type (the first listed until
   * judgements say otherwise). Instead of `model`.
   */
  models: z
    .array(z.string().min(1))
    .min(1)
    .refine((m) => new Set(m).size === m.length, { error: "lists a model twice" })
    .optional()
    .describe(
      "Candidate models: each run uses the best-scoring one on the PR's dominant task type (the first listed until judgements say otherwise). Instead of `model`.",
    ),
  /** Appended to the built-in system prompt of the step kind. */
  instructions: z.string().optional().describe("Appended to the built-in system prompt of the step kind."),
  /** Runs every step of this persona a second time on this model; its findings are stored, never posted. */
  shadow: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Runs every step of this persona a second time on this model; its findings are stored, never posted.",
    ),
  /** Another persona whose steps run instead while this one is suspended by its error budget. */
  fallback: Id.optional().describe(
    "Another persona that takes over while this one is suspended by its error budget.",
  ),
  /** Errors allowed before this persona and model are suspended in a repository. */
  error_budget: z
    .strictObject({
      max_errors: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe("More errors than this in `window` suspend (default 8)."),
      max_repeats: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe("The same error more than this many times in a row suspends (default 2)."),
      window: Duration.optional().describe("Errors are counted over this long (default 24h)."),
      cooldown: Duration.optional().describe("How long a suspension lasts (default 1h)."),
    })
    .optional()
    .describe("Errors allowed before this persona and model are suspended in a repository."),
  /** Check low-confidence findings with a second call: `true` (same model) or a model. */
  verify: z
    .union([z.boolean(), z.string().min(1)])
    .optional()
    .describe(
      "Check each finding of severity ≥ medium below `min_confidence` with one more call: `true` (same model) or a model.",
    ),
  /** Findings below this confidence are verified (default 0.7). */
  min_confidence: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe("Findings below this confidence are verified when `verify` is set (default 0.7)."),
});

export const Settings = z.strictObject({
  /** Slash-command prefix (default `/agents`). */
  command_prefix: z
    .string()
    .regex(/^\/[a-z][a-z0-9-]*$/, { error: "expected a prefix like `/agents`" })
    .optional()
    .describe("Slash-command prefix (default /agents)."),
  /** Agent steps running at once in one run, 1..32 (default 4). */
  max_parallel: z
    .number()
    .int()
    .min(1)
    .max(32)
    .optional()
    .describe("Agent steps running at once in one run (1..32)."),
  /** Default model for agent steps (default gpt-4o-mini). */
  model: z.string().min(1).optional().describe("Default model for agent steps."),
  /** Token budget per run; the server may cap it lower. */
  budget_tokens: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Token budget per run; the server may cap it lower."),
  /** Tokens shadow models may use per run (default a quarter of `budget_tokens`). */
  shadow_budget_tokens: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Tokens shadow models may use per run (default a quarter of budget_tokens)."),
  /**
   * Hold back findings of (persona, model, step kind, task type) cells whose judged precision is below this, once
   * confidence is at least 0.5 (10 judged findings). Unset: off.
   */
  min_precision: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe(
      "Hold back findings of cells (persona, model, step kind, task type) whose judged precision is below this, at confidence ≥ 0.5. Unset: off.",
    ),
});

/** The whole `.agents/workflow.yaml`. */
export const WorkflowFile = z.strictObject({
  /** Required; only 1 exists. */
  version: z.literal(1).describe("Required; only 1 exists."),
  settings: Settings.optional(),
  /** Named personas, reused by steps. */
  agents: z.record(Id, Agent).optional().describe("Named personas, reused by steps."),
  /** One or more workflows keyed by id. */
  workflows: z
    .record(Id, WorkflowDef)
    .refine((w) => Object.keys(w).length > 0, { error: "expected at least one workflow" })
    .describe("One or more workflows keyed by id."),
});
export type WorkflowFile = z.infer<typeof WorkflowFile>;

export const DEFAULTS = {
  commandPrefix: "/agents",
  maxParallel: 4,
  model: "gpt-4o-mini",
  budgetTokens: 200_000,
  retries: 2,
  failOn: "high",
  agentTimeoutMs: 10 * 60_000,
  deployTimeoutMs: 30 * 60_000,
  checksTimeoutMs: 60 * 60_000,
  mergeTimeoutMs: 5 * 60_000,
  evalTimeoutMs: 30 * 60_000,
} as const;
