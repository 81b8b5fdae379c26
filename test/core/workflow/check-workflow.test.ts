import { describe, expect, test } from "vitest";
import { loadBuiltinTemplates } from "../../../src/builtin-templates.js";
import { checkWorkflow } from "../../../src/core/workflow/check-workflow.js";
import { parseWorkflow } from "../../../src/core/workflow/parse-workflow.js";
import type { WorkflowFile } from "../../../src/core/workflow/workflow.schema.js";
import { errorsOf, yaml } from "../workflow-text.js";

const F = ".agents/workflow.yaml";

describe("graph checks, with file:line:col of the offending node", () => {
  test("duplicate step ids in a workflow, across phases", () => {
    const text = yaml`
      version: 1
      workflows:
        ci:
          phases:
            review:
              steps:
                - { id: lint, uses: review }
            again:
              steps:
                - { id: lint, uses: tests }
        other:
          phases:
            p:
              steps:
                - { id: lint, uses: review }
    `;
    expect(errorsOf(text)).toEqual([
      `${F}:10:19 phase "again": duplicate step id "lint" (already used in phase "review")`,
    ]);
  });

  test("depends_on naming an unknown step or phase", () => {
    const text = yaml`
      version: 1
      workflows:
        ci:
          phases:
            review:
              steps:
                - id: review
                  uses: review
                  depends_on: [lnt]
            merge:
              depends_on: [reviw]
              steps:
                - { id: merge, uses: merge }
    `;
    expect(errorsOf(text)).toEqual([
      `${F}:9:26 step "review": depends_on: unknown step "lnt" (expected merge)`,
      `${F}:11:22 phase "merge": depends_on: unknown phase "reviw" (expected review)`,
    ]);
  });

  test("a step may depend on a step of any phase of its workflow, not of another workflow", () => {
    const text = yaml`
      version: 1
      workflows:
        ci:
          phases:
            review:
              steps:
                - { id: review, uses: review }
            deploy:
              steps:
                - { id: staging, uses: deploy, with: { environment: staging }, depends_on: [review] }
        cd:
          phases:
            p:
              steps:
                - { id: prod, uses: deploy, with: { environment: prod }, depends_on: [staging] }
    `;
    expect(errorsOf(text)).toEqual([
      `${F}:15:81 step "prod": depends_on: unknown step "staging" (there are no other steps)`,
    ]);
  });

  test("a phase cycle is named in run order, at the depends_on entry that closes it", () => {
    const text = yaml`
      version: 1
      workflows:
        delivery:
          phases:
            review:
              depends_on: [approve]
              steps:
                - { id: code-review, uses: review }
            approve:
              depends_on: [review]
              steps:
                - { id: ok, uses: approval }
    `;
    expect(errorsOf(text)).toEqual([`${F}:6:22 workflow "delivery": phase cycle: review → approve → review`]);
  });

  test("a longer phase cycle, and a phase that depends on itself", () => {
    const text = yaml`
      version: 1
      workflows:
        a:
          phases:
            one: { depends_on: [three], steps: [{ id: s1, uses: review }] }
            two: { depends_on: [one], steps: [{ id: s2, uses: review }] }
            three: { depends_on: [two], steps: [{ id: s3, uses: review }] }
        b:
          phases:
            solo: { depends_on: [solo], steps: [{ id: s, uses: review }] }
    `;
    expect(errorsOf(text)).toEqual([
      `${F}:5:27 workflow "a": phase cycle: one → two → three → one`,
      `${F}:10:28 workflow "b": phase cycle: solo → solo`,
    ]);
  });

  test("a step cycle through depends_on", () => {
    const text = yaml`
      version: 1
      workflows:
        ci:
          phases:
            p:
              steps:
                - { id: a, uses: review, depends_on: [b] }
                - { id: b, uses: tests, depends_on: [a] }
                - { id: c, uses: agent, prompt: hi, depends_on: [c] }
    `;
    expect(errorsOf(text)).toEqual([`${F}:7:49 workflow "ci": step cycle: a → b → a`]);
  });

  test("a step depending on itself", () => {
    const text = yaml`
      version: 1
      workflows:
        ci:
          phases:
            p:
              steps:
                - { id: c, uses: agent, prompt: hi, depends_on: [c] }
    `;
    expect(errorsOf(text)).toEqual([`${F}:7:60 workflow "ci": step cycle: c → c`]);
  });

  test("a step cycle through a phase dependency: a step also waits for the phases its phase depends on", () => {
    const text = yaml`
      version: 1
      workflows:
        d:
          phases:
            review:
              steps:
                - { id: x, uses: review, depends_on: [ok] }
            approve:
              depends_on: [review]
              steps:
                - { id: ok, uses: approval }
    `;
    expect(errorsOf(text)).toEqual([
      `${F}:7:49 workflow "d": step cycle: x → ok → x (a step also waits for every step of the phases its phase depends on)`,
    ]);
  });

  test("a step cycle that goes through several phases names only steps", () => {
    const text = yaml`
      version: 1
      workflows:
        d:
          phases:
            review:
              steps:
                - { id: x, uses: review, depends_on: [prod] }
            approve:
              depends_on: [review]
              steps:
                - { id: ok, uses: approval }
            deploy:
              depends_on: [approve]
              steps:
                - { id: prod, uses: deploy, with: { environment: prod } }
    `;
    expect(errorsOf(text)).toEqual([
      `${F}:7:49 workflow "d": step cycle: x → ok → prod → x (a step also waits for every step of the phases its phase depends on)`,
    ]);
  });

  test("an unknown agent", () => {
    const text = yaml`
      version: 1
      agents:
        reviewer: { instructions: Be terse. }
      workflows:
        ci:
          phases:
            review:
              steps:
                - { id: review, uses: review, agent: reviewr }
                - { id: proto, uses: review, agent: constructor }
    `;
    expect(errorsOf(text)).toEqual([
      `${F}:9:48 step "review": unknown agent "reviewr" (expected reviewer)`,
      `${F}:10:47 step "proto": unknown agent "constructor" (expected reviewer)`,
    ]);
  });

  test("an agent when none are defined", () => {
    const text = yaml`
      version: 1
      workflows:
        ci:
          phases:
            review:
              steps:
                - { id: review, uses: security, agent: auditor }
    `;
    expect(errorsOf(text)).toEqual([
      `${F}:7:50 step "review": unknown agent "auditor" (no agents are defined under "agents")`,
    ]);
  });

  test("an unknown template", () => {
    const text = yaml`
      version: 1
      workflows:
        delivery:
          template: featur
        proto:
          template: constructor
    `;
    const names = "code-review, feature, plan, security-audit";
    expect(errorsOf(text, { templates: { ...loadBuiltinTemplates() } })).toEqual([
      `${F}:4:15 workflow "delivery": unknown template "featur" (expected one of ${names})`,
      `${F}:6:15 workflow "proto": unknown template "constructor" (expected one of ${names})`,
    ]);
  });

  test("a PR-only step in a workflow that runs only on issues", () => {
    const text = yaml`
      version: 1
      workflows:
        triage:
          on:
            issues: { labels: [bug] }
          phases:
            look:
              steps:
                - { id: summary, uses: agent, prompt: "Summarize {{ issue.body }}" }
                - { id: tests, uses: tests }
                - { id: ok, uses: approval }
                - { id: ship, uses: merge }
    `;
    const tail = "runs only on issues (expected only agent and approval steps)";
    expect(errorsOf(text)).toEqual([
      `${F}:10:32 step "tests": kind "tests" needs a pull request, but workflow "triage" ${tail}`,
      `${F}:12:31 step "ship": kind "merge" needs a pull request, but workflow "triage" ${tail}`,
    ]);
  });

  test("with both triggers (as in the spec's example), PR-only steps are allowed", () => {
    const text = yaml`
      version: 1
      workflows:
        both:
          on:
            pull_request:
            issues: { labels: [bug] }
          phases:
            p: { steps: [{ id: tests, uses: tests }] }
    `;
    expect(errorsOf(text)).toEqual([]);
  });

  test("a workflow without phases, or with an empty mapping of them", () => {
    const text = yaml`
      version: 1
      workflows:
        empty:
          name: Nothing
        blank:
          phases: {}
    `;
    const why = 'no phases (expected "phases" with at least one phase, or a "template")';
    expect(errorsOf(text)).toEqual([
      `${F}:3:3 workflow "empty": ${why}`,
      `${F}:6:13 workflow "blank": ${why}`,
    ]);
  });

  test("models the server does not allow", () => {
    const text = yaml`
      version: 1
      settings:
        model: gpt-5
      agents:
        reviewer:
          model: o1
        fine:
          model: gpt-4o-mini
      workflows:
        ci: { phases: { p: { steps: [{ id: r, uses: review, agent: reviewer }] } } }
    `;
    const allowed = "expected one of gpt-4o-mini, gpt-4o";
    expect(errorsOf(text, { allowedModels: ["gpt-4o-mini", "gpt-4o"] })).toEqual([
      `${F}:3:10 settings: model "gpt-5" is not allowed on this server (${allowed})`,
      `${F}:6:12 agent "reviewer": model "o1" is not allowed on this server (${allowed})`,
    ]);
    expect(errorsOf(text, { allowedModels: [] })).toEqual([]);
    expect(errorsOf(text)).toEqual([]);
  });

  test("personas: model and models together, an unknown or self fallback, shadow and verify models not allowed", () => {
    const text = yaml`
      version: 1
      agents:
        reviewer:
          model: gpt-4o-mini
          models: [gpt-4o-mini, gpt-4o]
          fallback: ghost
        loner:
          model: gpt-4o
          fallback: loner
          shadow: o1
          verify: o3
        fine:
          models: [gpt-4o-mini, gpt-4o]
          fallback: loner
          verify: true
      workflows:
        ci: { phases: { p: { steps: [{ id: r, uses: review, agent: reviewer }] } } }
    `;
    expect(errorsOf(text)).toEqual([
      `${F}:5:5 agent "reviewer": set either "model" or "models", not both (the first of "models" is the default)`,
      `${F}:6:15 agent "reviewer": unknown fallback agent "ghost" (expected one of reviewer, loner, fine)`,
      `${F}:9:15 agent "loner": fallback must be another agent`,
    ]);
    const allowed = "expected one of gpt-4o-mini, gpt-4o";
    expect(errorsOf(text, { allowedModels: ["gpt-4o-mini", "gpt-4o"] })).toEqual([
      `${F}:5:5 agent "reviewer": set either "model" or "models", not both (the first of "models" is the default)`,
      `${F}:6:15 agent "reviewer": unknown fallback agent "ghost" (expected one of reviewer, loner, fine)`,
      `${F}:9:15 agent "loner": fallback must be another agent`,
      `${F}:10:13 agent "loner": model "o1" is not allowed on this server (${allowed})`,
      `${F}:11:13 agent "loner": model "o3" is not allowed on this server (${allowed})`,
    ]);
  });

  test("graph checks run only once the schema passes", () => {
    const text = yaml`
      version: 1
      workflows:
        ci:
          phases:
            p:
              steps:
                - { id: a, uses: review, depends_on: [ghost] }
                - { id: b, uses: reviw }
    `;
    expect(errorsOf(text)).toEqual([
      `${F}:8:28 step "b": unknown kind "reviw" (expected one of review, security, tests, agent, approval, checks, merge, deploy, eval)`,
    ]);
  });
});

describe("checkWorkflow on data", () => {
  const file = (phases: NonNullable<WorkflowFile["workflows"][string]["phases"]>): WorkflowFile => ({
    version: 1,
    workflows: { w: { phases } },
  });

  test("returns problems with data paths and no positions", () => {
    const problems = checkWorkflow(
      file({
        a: { depends_on: ["b"], steps: [{ id: "s", uses: "review" }] },
        b: { depends_on: ["a"], steps: [{ id: "t", uses: "review", depends_on: ["nope"] }] },
      }),
    );
    expect(problems).toEqual([
      {
        path: ["workflows", "w", "phases", "b", "steps", 0, "depends_on", 0],
        message: 'step "t": depends_on: unknown step "nope" (expected s)',
      },
      {
        path: ["workflows", "w", "phases", "a", "depends_on", 0],
        message: 'workflow "w": phase cycle: a → b → a',
      },
    ]);
  });

  test("a valid file has no problems", () => {
    const r = parseWorkflow(
      yaml`
        version: 1
        workflows:
          w:
            phases:
              a: { steps: [{ id: s, uses: review }] }
              b: { depends_on: [a], steps: [{ id: t, uses: approval, depends_on: [s] }] }
      `,
      { templates: {} },
    );
    expect(r.ok && checkWorkflow(r.workflow)).toEqual([]);
  });

  test("handles a 10,000-step workflow in a chain without recursion", () => {
    const steps = Array.from({ length: 10_000 }, (_, i) => ({
      id: `s${i}`,
      uses: "review" as const,
      ...(i > 0 ? { depends_on: [`s${i - 1}`] } : {}),
    }));
    expect(checkWorkflow(file({ p: { steps } }))).toEqual([]);
    steps[0] = { id: "s0", uses: "review", depends_on: ["s9999"] };
    const [cycle] = checkWorkflow(file({ p: { steps } }));
    expect(cycle?.message).toMatch(/^workflow "w": step cycle: s0 → s1 → s2 → .* → s9999 → s0$/);
  });
});
