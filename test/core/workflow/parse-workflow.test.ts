import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { loadBuiltinTemplates } from "../../../src/builtin-templates.js";
import { formatWorkflowError, parseWorkflow } from "../../../src/core/workflow/parse-workflow.js";
import { errorsOf, yaml } from "../workflow-text.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/workflows/${name}`, import.meta.url), "utf8");
const KINDS = "review, security, tests, agent, approval, checks, merge, deploy, eval";
const STEP_KEYS =
  "id, name, depends_on, when, if, timeout, continue_on_error, agent, retries, uses, fail_on, with";

describe("parseWorkflow: valid files", () => {
  test("the spec's full example validates cleanly, with its `template: feature` merged in", () => {
    const r = parseWorkflow(fixture("good/spec-example.yaml"), { templates: loadBuiltinTemplates() });
    if (!r.ok) throw new Error(r.errors.map(formatWorkflowError).join("\n"));
    const delivery = r.workflow.workflows.delivery!;
    expect(delivery).not.toHaveProperty("template");
    expect(delivery.name).toBe("Delivery");
    expect(Object.keys(delivery.phases!)).toEqual(["review", "approve", "merge", "deploy"]);
    expect(delivery.phases!.deploy!.steps.map((s) => s.id)).toEqual([
      "staging",
      "prod-approval",
      "production",
    ]);
    expect(r.workflow.agents?.reviewer?.model).toBe("gpt-4o-mini");
    expect(r.workflow.settings?.max_parallel).toBe(4);
  });

  test("returns the data the schema produced, with `pull_request:` left empty meaning no filters", () => {
    const r = parseWorkflow(
      yaml`
        version: 1
        workflows:
          ci:
            on:
              pull_request:
            phases:
              review:
                steps:
                  - { id: review, uses: review }
      `,
      { templates: {} },
    );
    expect(r).toEqual({
      ok: true,
      workflow: {
        version: 1,
        workflows: {
          ci: {
            on: { pull_request: null },
            phases: { review: { steps: [{ id: "review", uses: "review" }] } },
          },
        },
      },
    });
  });

  test("YAML 1.2: `on` stays a key, `yes` stays a string, `agents:plan` stays one label", () => {
    const r = parseWorkflow(
      yaml`
        version: 1
        workflows:
          plan:
            on: { issues: { labels: [agents:plan] } }
            phases:
              p:
                steps:
                  - { id: draft, uses: agent, prompt: yes }
      `,
      { templates: {} },
    );
    expect(r.ok && r.workflow.workflows.plan?.on?.issues?.labels).toEqual(["agents:plan"]);
    expect(r.ok && r.workflow.workflows.plan?.phases?.p?.steps[0]).toMatchObject({ prompt: "yes" });
  });

  test("a leading `---` and a few anchors and aliases are fine", () => {
    const r = parseWorkflow(
      yaml`
        ---
        version: 1
        workflows:
          ci:
            phases:
              p:
                steps:
                  - { id: a, uses: checks, with: &ci { checks: ["ci / test"] } }
                  - { id: b, uses: tests, with: *ci }
      `,
      { templates: {} },
    );
    expect(r.ok && r.workflow.workflows.ci?.phases?.p?.steps[1]).toEqual({
      id: "b",
      uses: "tests",
      with: { checks: ["ci / test"] },
    });
  });
});

describe("parseWorkflow: error format", () => {
  test("formatWorkflowError gives file:line:col and the message", () => {
    expect(formatWorkflowError({ file: "a.yaml", line: 3, col: 7, message: "boom", path: [] })).toBe(
      "a.yaml:3:7 boom",
    );
  });

  test("errors name the file given, and carry the data path", () => {
    const r = parseWorkflow("version: 1\nworkflows: {}\n", {
      templates: {},
      file: "repo/.agents/workflow.yaml",
    });
    expect(r).toEqual({
      ok: false,
      errors: [
        {
          file: "repo/.agents/workflow.yaml",
          line: 2,
          col: 12,
          message: "workflows: expected at least one workflow",
          path: ["workflows"],
        },
      ],
    });
  });
});

describe("parseWorkflow: schema errors", () => {
  test("an unknown step kind, the spec's own example", () => {
    const text = yaml`
      version: 1
      workflows:
        delivery:
          phases:
            merge:
              steps:
                - id: merge
                  uses: merg
    `;
    expect(errorsOf(text)).toEqual([
      `.agents/workflow.yaml:8:19 step "merge": unknown kind "merg" (expected one of ${KINDS})`,
    ]);
  });

  test("unknown keys are errors that point at the key and list the allowed keys", () => {
    const text = yaml`
      version: 1
      workflow:
        ci: {}
      settings:
        modle: gpt-4o
      workflows:
        ci:
          on: { pull_requests: {} }
          phases:
            test:
              steps:
                - id: tests
                  uses: tests
                  dependson: [lint]
                  with: { checks: ["ci"], foo: 1 }
    `;
    expect(errorsOf(text)).toEqual([
      `.agents/workflow.yaml:2:1 unknown key "workflow" (expected one of version, settings, agents, workflows)`,
      `.agents/workflow.yaml:5:3 settings: unknown key "modle" (expected one of command_prefix, max_parallel, model, budget_tokens, shadow_budget_tokens, min_precision)`,
      `.agents/workflow.yaml:8:11 workflow "ci": on: unknown key "pull_requests" (expected one of pull_request, issues)`,
      `.agents/workflow.yaml:14:13 step "tests": unknown key "dependson" (expected one of ${STEP_KEYS})`,
      `.agents/workflow.yaml:15:37 step "tests": with: unknown key "foo" (the only allowed key is checks)`,
    ]);
  });

  test("wrong types say what was expected and what was found", () => {
    const text = yaml`
      version: 1
      settings:
        max_parallel: four
        budget_tokens: 1.5
        command_prefix: agents
      workflows:
        ci:
          phases:
            review:
              steps:
                - id: review
                  uses: review
                  retries: "2"
                  continue_on_error: yes
                  timeout: 10 minutes
    `;
    expect(errorsOf(text)).toEqual([
      `.agents/workflow.yaml:3:17 settings: max_parallel: expected a number, got string "four"`,
      `.agents/workflow.yaml:4:18 settings: budget_tokens: expected a whole number, got number 1.5`,
      '.agents/workflow.yaml:5:19 settings: command_prefix: expected a prefix like `/agents`, got string "agents"',
      `.agents/workflow.yaml:13:22 step "review": retries: expected a number, got string "2"`,
      `.agents/workflow.yaml:14:32 step "review": continue_on_error: expected true or false, got string "yes"`,
      '.agents/workflow.yaml:15:22 step "review": timeout: expected a duration like `90s` or `10m`, got string "10 minutes"',
    ]);
  });

  test("enums, literals, bounds and unions", () => {
    const text = yaml`
      version: 2
      workflows:
        ci:
          phases:
            ship:
              steps:
                - id: gate
                  uses: approval
                  with: { from: 3, count: 0 }
                - id: merge
                  uses: merge
                  with: { method: squosh }
                - id: team
                  uses: approval
                  with: { from: ["octocat", "not a team!"] }
                - id: review
                  uses: review
                  fail_on: critical
    `;
    expect(errorsOf(text)).toEqual([
      `.agents/workflow.yaml:1:10 version: expected 1, got number 2`,
      `.agents/workflow.yaml:9:27 step "gate": with.from: expected a list or "codeowners", got number 3`,
      `.agents/workflow.yaml:9:37 step "gate": with.count: expected at least 1, got 0`,
      `.agents/workflow.yaml:12:29 step "merge": with.method: expected one of merge, squash, rebase, got string "squosh"`,
      '.agents/workflow.yaml:15:39 step "team": with.from[1]: expected a login like `octocat` or a team like `@acme/maintainers`, got string "not a team!"',
      `.agents/workflow.yaml:18:22 step "review": fail_on: expected one of blocker, high, medium, low, never, got string "critical"`,
    ]);
  });

  test("missing keys point at the nearest key the user wrote", () => {
    const text = yaml`
      workflows:
        ci:
          phases:
            review:
              name: Review
            deploy:
              steps:
                - id: staging
                  uses: deploy
                - uses: approval
                - id: lint
            merge:
    `;
    expect(errorsOf(text)).toEqual([
      `.agents/workflow.yaml:1:1 missing required key "version"`,
      `.agents/workflow.yaml:4:7 phase "review": missing required key "steps"`,
      `.agents/workflow.yaml:8:13 step "staging": missing required key "with"`,
      `.agents/workflow.yaml:10:13 step #2 of phase "deploy": missing required key "id"`,
      `.agents/workflow.yaml:11:13 step "lint": missing required key "uses" (expected one of ${KINDS})`,
      `.agents/workflow.yaml:12:7 phase "merge": expected a mapping, got an empty value`,
    ]);
  });

  test("an empty `phases:` points at its key; a list where a mapping belongs says so", () => {
    const text = yaml`
      version: 1
      workflows:
        ci:
          phases:
        cd:
          phases:
            p:
              steps:
                - merge
                - { id: x, uses: deploy, with: { environment: "" } }
    `;
    expect(errorsOf(text)).toEqual([
      `.agents/workflow.yaml:4:5 workflow "ci": phases: expected a mapping, got an empty value`,
      `.agents/workflow.yaml:9:13 step #1 of phase "p": expected a mapping, got string "merge"`,
      `.agents/workflow.yaml:10:57 step "x": with.environment: expected a non-empty string`,
    ]);
  });

  test("ids that are not ids, as keys and as values", () => {
    const text = yaml`
      version: 1
      agents:
        Reviewer: {}
      workflows:
        Delivery:
          phases: {}
        ok:
          phases:
            Review Phase:
              steps: []
            review:
              steps:
                - { id: Code_Review, uses: review }
    `;
    const id = "expected an id like `code-review` ([a-z0-9][a-z0-9_-]*)";
    expect(errorsOf(text)).toEqual([
      `.agents/workflow.yaml:3:3 invalid agent id "Reviewer": ${id}`,
      `.agents/workflow.yaml:5:3 invalid workflow id "Delivery": ${id}`,
      `.agents/workflow.yaml:9:7 workflow "ok": invalid phase id "Review Phase": ${id}`,
      `.agents/workflow.yaml:13:19 step "Code_Review": id: ${id}, got string "Code_Review"`,
    ]);
  });

  test("collects every error of the file, sorted by line", () => {
    expect(errorsOf(fixture("bad/many-errors.yaml"))).toEqual([
      ".agents/workflow.yaml:4:17 settings: max_parallel: expected at most 32, got 64",
      ".agents/workflow.yaml:5:10 settings: model: expected a non-empty string",
      '.agents/workflow.yaml:10:17 workflow "delivery": on.pull_request.drafts: expected true or false, got string "maybe"',
      `.agents/workflow.yaml:15:19 step "code-review": unknown kind "reveiw" (expected one of ${KINDS})`,
      '.agents/workflow.yaml:18:22 step "security": fail_on: expected one of blocker, high, medium, low, never, got string "hihg"',
      '.agents/workflow.yaml:20:21 phase "approve": depends_on: expected a list, got string "review"',
      '.agents/workflow.yaml:24:28 step "approval": with.count: expected a number, got string "two"',
    ]);
  });
});

describe("parseWorkflow: prototype keys are plain data", () => {
  test("`__proto__` is an unknown key and pollutes nothing", () => {
    const text = yaml`
      version: 1
      __proto__: { polluted: true }
      workflows:
        ci:
          phases:
            constructor:
              steps:
                - { id: review, uses: review }
    `;
    expect(errorsOf(text)).toEqual([
      `.agents/workflow.yaml:2:1 unknown key "__proto__" (expected one of version, settings, agents, workflows)`,
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("a phase named `constructor` or `tostring` is just an id", () => {
    const r = parseWorkflow(
      yaml`
        version: 1
        workflows:
          ci:
            phases:
              constructor: { steps: [{ id: a, uses: review }] }
              tostring: { depends_on: [constructor], steps: [{ id: b, uses: tests }] }
      `,
      { templates: {} },
    );
    expect(r.ok && Object.keys(r.workflow.workflows.ci!.phases!)).toEqual(["constructor", "tostring"]);
  });
});

describe("parseWorkflow: fixtures", () => {
  const dir = (kind: string) => readdirSync(new URL(`../../fixtures/workflows/${kind}/`, import.meta.url));

  test.each(dir("good"))("good/%s validates cleanly", (name) => {
    const r = parseWorkflow(fixture(`good/${name}`), { templates: loadBuiltinTemplates() });
    expect(r.ok ? [] : r.errors.map(formatWorkflowError)).toEqual([]);
  });

  test.each(dir("bad"))("bad/%s is refused", (name) => {
    expect(parseWorkflow(fixture(`bad/${name}`), { templates: loadBuiltinTemplates() }).ok).toBe(false);
  });
});
