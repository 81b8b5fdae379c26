import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { loadBuiltinTemplates } from "../../src/builtin-templates.js";
import { planWorkflow } from "../../src/core/run/plan.js";
import { formatWorkflowError, parseWorkflow } from "../../src/core/workflow/parse-workflow.js";
import type { WorkflowFile } from "../../src/core/workflow/workflow.schema.js";
import { errorsOf, yaml } from "../core/workflow-text.js";

const F = ".agents/workflow.yaml";
const templates = loadBuiltinTemplates();
const files = readdirSync(new URL("../../workflows/", import.meta.url)).filter((f) => f.endsWith(".yaml"));

function parsed(text: string, file = F): WorkflowFile {
  const r = parseWorkflow(text, { templates, file });
  if (!r.ok) throw new Error(r.errors.map(formatWorkflowError).join("\n"));
  return r.workflow;
}

describe("built-in templates in workflows/", () => {
  test("are the four the spec names, loaded once", () => {
    expect(Object.keys(templates)).toEqual(["code-review", "feature", "plan", "security-audit"]);
    expect(files.sort()).toEqual(Object.keys(templates).map((n) => `${n}.yaml`));
    expect(loadBuiltinTemplates()).toBe(templates);
  });

  test.each(files)("%s is a valid workflow file with one workflow named after it", (file) => {
    const name = file.replace(/\.yaml$/, "");
    const text = readFileSync(new URL(`../../workflows/${file}`, import.meta.url), "utf8");
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=../schema/workflow.schema.json");
    const workflow = parsed(text, `workflows/${file}`);
    expect(Object.keys(workflow.workflows)).toEqual([name]);
    expect(workflow.workflows[name]?.template).toBeUndefined();
  });

  test("code-review runs review, security and tests at the same time in one phase", () => {
    const plan = planWorkflow(parsed(templates["code-review"]!), "code-review");
    expect(plan.phases.map((p) => p.id)).toEqual(["review"]);
    expect(plan.steps.map((s) => [s.id, s.kind, s.needs])).toEqual([
      ["code-review", "review", []],
      ["security", "security", []],
      ["tests", "tests", []],
    ]);
  });

  test("security-audit gates on high security findings, with a threat model alongside", () => {
    const plan = planWorkflow(parsed(templates["security-audit"]!), "security-audit");
    expect(plan.steps.map((s) => [s.id, s.kind, s.failOn, s.needs])).toEqual([
      ["security", "security", "high", []],
      ["threat-model", "agent", "high", []],
    ]);
    expect(plan.steps[1]?.prompt).toContain("{{ diff }}");
  });

  test("feature: review phase → one approval → squash merge", () => {
    const plan = planWorkflow(parsed(templates.feature!), "feature");
    expect(plan.phases.map((p) => [p.id, p.needs])).toEqual([
      ["review", []],
      ["approve", ["review"]],
      ["merge", ["approve"]],
    ]);
    const approval = plan.steps.find((s) => s.id === "approval")!;
    expect(approval.needs).toEqual(["code-review", "security", "tests"]);
    expect(approval.with).toEqual({ count: 1 });
    const merge = plan.steps.find((s) => s.id === "merge")!;
    expect([merge.kind, merge.needs, merge.with]).toEqual(["merge", ["approval"], { method: "squash" }]);
  });

  test("plan: on issues labeled agents:plan, an agent drafts a plan as a comment, then an approval", () => {
    const file = parsed(templates.plan!);
    expect(file.workflows.plan?.on).toEqual({ issues: { labels: ["agents:plan"] } });
    const plan = planWorkflow(file, "plan");
    const [draft, approval] = plan.steps;
    expect(draft?.kind).toBe("agent");
    expect(draft?.prompt).toContain("{{ issue.title }}");
    expect(draft?.prompt).toContain("{{ issue.body }}");
    expect(draft?.with).toEqual({ post: "comment" });
    expect([approval?.kind, approval?.needs]).toEqual(["approval", ["draft-plan"]]);
  });
});

describe("template: merging", () => {
  test("`template: feature` alone gives the template's workflow, without the template key", () => {
    const file = parsed(yaml`
      version: 1
      workflows:
        ship:
          template: feature
    `);
    const template = parsed(templates.feature!).workflows.feature;
    expect(file.workflows.ship).toEqual(template);
    expect(planWorkflow(file, "ship").steps.map((s) => s.id)).toEqual([
      "code-review",
      "security",
      "tests",
      "approval",
      "merge",
    ]);
  });

  test("user keys merge on top: mappings by key, lists and scalars replaced", () => {
    const file = parsed(yaml`
      version: 1
      workflows:
        ship:
          template: feature
          name: Ship it
          on:
            pull_request: { labels: [ship] }
          phases:
            approve:
              name: Sign-off
              steps:
                - { id: two, uses: approval, with: { count: 2 } }
            deploy:
              depends_on: [merge]
              steps:
                - { id: prod, uses: deploy, with: { environment: production } }
    `);
    const ship = file.workflows.ship!;
    expect(ship.name).toBe("Ship it");
    expect(ship.on).toEqual({ pull_request: { labels: ["ship"] } });
    expect(Object.keys(ship.phases!)).toEqual(["review", "approve", "merge", "deploy"]);
    expect(ship.phases!.approve).toEqual({
      name: "Sign-off",
      depends_on: ["review"],
      steps: [{ id: "two", uses: "approval", with: { count: 2 } }],
    });
    expect(ship.phases!.review!.steps.map((s) => s.id)).toEqual(["code-review", "security", "tests"]);
    const plan = planWorkflow(file, "ship");
    expect(plan.steps.find((s) => s.id === "prod")?.needs).toEqual(["merge"]);
    expect(plan.steps.find((s) => s.id === "merge")?.needs).toEqual(["two"]);
  });

  test("settings and agents of a template file are not merged", () => {
    const custom = {
      team: yaml`
        version: 1
        settings: { max_parallel: 1 }
        agents: { strict: { instructions: Be strict. } }
        workflows:
          team:
            phases: { p: { steps: [{ id: r, uses: review }] } }
      `,
    };
    const r = parseWorkflow("version: 1\nworkflows:\n  w:\n    template: team\n", { templates: custom });
    expect(r.ok && r.workflow).toEqual({
      version: 1,
      workflows: { w: { phases: { p: { steps: [{ id: "r", uses: "review" }] } } } },
    });
  });

  test("an error in what the user wrote points at the user's node", () => {
    const text = yaml`
      version: 1
      workflows:
        ship:
          template: feature
          phases:
            approve:
              steps:
                - { id: two, uses: aproval }
            merge:
              depends_on: [aprove]
    `;
    expect(errorsOf(text, { templates })).toEqual([
      `${F}:8:30 step "two": unknown kind "aproval" (expected one of review, security, tests, agent, approval, checks, merge, deploy, eval)`,
    ]);
    const graph = text.replace("aproval", "approval");
    expect(errorsOf(graph, { templates })).toEqual([
      `${F}:10:22 phase "merge": depends_on: unknown phase "aprove" (expected one of review, approve)`,
    ]);
  });

  test("an error in what only the template supplied points at the `template:` key", () => {
    const text = yaml`
      version: 1
      workflows:
        ship:
          template: feature
          phases:
            review:
              steps:
                - { id: merge, uses: review }
    `;
    expect(errorsOf(text, { templates })).toEqual([
      `${F}:4:5 phase "merge": duplicate step id "merge" (already used in phase "review")`,
    ]);
  });

  test("an unknown template is the only error, even when the user overrides part of a phase", () => {
    const text = yaml`
      version: 1
      workflows:
        ship:
          template: featur
          phases:
            approve: { name: Sign-off }
    `;
    expect(errorsOf(text, { templates })).toEqual([
      `${F}:4:15 workflow "ship": unknown template "featur" (expected one of code-review, feature, plan, security-audit)`,
    ]);
  });

  test("a broken template, or one without its workflow, is reported at the user's template value", () => {
    const custom = {
      broken: "version: 1\nworkflows:\n  broken:\n    phases: {}\n",
      misnamed: "version: 1\nworkflows:\n  other:\n    phases: { p: { steps: [{ id: r, uses: review }] } }\n",
      nested: "version: 1\nworkflows:\n  nested:\n    template: broken\n",
    };
    const text = yaml`
      version: 1
      workflows:
        a: { template: broken }
        b: { template: misnamed }
        c: { template: nested }
    `;
    expect(errorsOf(text, { templates: custom })).toEqual([
      `${F}:3:18 workflow "a": template "broken" is invalid: workflows/broken.yaml:4:13 workflow "broken": no phases (expected "phases" with at least one phase, or a "template")`,
      `${F}:4:18 workflow "b": template "misnamed" has no workflow "misnamed" in workflows/misnamed.yaml`,
      `${F}:5:18 workflow "c": template "nested" is invalid: workflows/nested.yaml:4:15 workflow "nested": unknown template "broken" (no templates are available)`,
    ]);
  });
});
