// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ … }}` is the expression syntax of `if:`, not a placeholder.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { planWorkflow } from "../../../src/core/run/plan.js";
import { parseCondition } from "../../../src/core/workflow/condition.js";
import { parseWorkflow } from "../../../src/core/workflow/parse-workflow.js";
import { errorsOf, yaml } from "../workflow-text.js";

const F = ".agents/workflow.yaml";
const IDS = new Set(["quick", "code-review", "deploy-1"]);

/** The problems of one `if:` value, as `offset message`. */
function problems(value: string): string[] {
  const r = parseCondition(value, IDS);
  return r.ok ? [] : r.problems.map((p) => `${p.offset} ${p.message}`);
}

/** A one-phase workflow whose step `s` carries `if: <value>` (written as given, after `if: `), plus step `quick`. */
function withIf(value: string): string {
  return yaml`
    version: 1
    workflows:
      w:
        phases:
          p:
            steps:
              - { id: quick, uses: review }
              - id: s
                uses: review
                if: ${value}
  `;
}
// In withIf files the value starts at line 10, column 17.

describe("the two forms", () => {
  test("`${{ … }}` around the whole value and the bare expression parse to the same expression", () => {
    const wrapped = parseCondition("${{ steps.quick.findings.high > 0 }}", IDS);
    const bare = parseCondition("steps.quick.findings.high > 0", IDS);
    expect(wrapped).toMatchObject({
      ok: true,
      condition: { expression: "steps.quick.findings.high > 0", steps: ["quick"] },
    });
    expect(bare).toMatchObject({
      ok: true,
      condition: { expression: "steps.quick.findings.high > 0", steps: ["quick"] },
    });
    expect(parseCondition("${{steps.quick.outcome}}", IDS)).toMatchObject({
      ok: true,
      condition: { expression: "steps.quick.outcome" },
    });
    expect(errorsOf(withIf("${{ steps.quick.findings.high > 0 }}"))).toEqual([]);
    expect(errorsOf(withIf("steps.quick.findings.high > 0"))).toEqual([]);
    expect(errorsOf(withIf(`"\${{ steps.quick.outcome == 'success' }}"`))).toEqual([]);
  });

  test("text outside one `${{ }}` is refused, at the text or at the second `${{`", () => {
    expect(problems("release ${{ pr.base }}")).toEqual([
      "0 expected one expression: `${{ … }}` around the whole value, or the expression alone",
    ]);
    expect(problems("${{ pr.base }} == 'main'")).toEqual([
      "0 expected one expression: `${{ … }}` around the whole value, or the expression alone",
    ]);
    expect(problems("${{ pr.author }} && ${{ pr.base }}")).toEqual([
      "20 expected one expression: `${{ … }}` around the whole value, or the expression alone",
    ]);
    expect(problems("${{ }}")).toEqual([
      "3 empty expression (expected an expression like `pr.additions > 0`)",
    ]);
  });
});

describe("names", () => {
  test("every context name validates", () => {
    const names = [
      "steps.quick.outcome",
      "steps.quick.findings",
      "steps.quick.findings.blocker",
      "steps.quick.findings.high",
      "steps.quick.findings.medium",
      "steps.quick.findings.low",
      "steps.quick.findings.total",
      "pr",
      "pr.author",
      "pr.labels",
      "pr.base",
      "pr.additions",
      "pr.deletions",
      "pr.files",
      "issue.author",
      "issue.labels",
      "run.tokens",
    ];
    for (const name of names) expect(problems(name), name).toEqual([]);
    expect(errorsOf(withIf(`\${{ ${names.map((n) => `toJSON(${n}) != ''`).join(" && ")} }}`))).toEqual([]);
  });

  test("names below a leaf, bracket keys and ids with dashes and digits are fine", () => {
    expect(problems("pr.labels[0] == 'bug' && pr.files.* != null")).toEqual([]);
    expect(problems("steps['quick'].outcome == 'success' && pr['author'] == 'alice'")).toEqual([]);
    expect(problems("steps.deploy-1.outcome == 'success'")).toEqual([]);
    expect(problems("steps['deploy-1'].findings['high'] > 0")).toEqual([]);
    // An id that starts with a digit lexes as a number after the dot: brackets, as the docs say.
    expect(parseCondition("steps['2fa'].outcome == 'success'", new Set(["2fa"])).ok).toBe(true);
    expect(parseCondition("steps.2fa.outcome == 'success'", new Set(["2fa"]))).toMatchObject({
      ok: false,
      problems: [{ offset: 6, message: "syntax error: unexpected symbol: '2fa.outcome'" }],
    });
  });

  test("names ignore case, as on GitHub", () => {
    const r = parseCondition(
      "Steps.Quick.Outcome == 'success' && PR.Author == 'x' && CONTAINS(Issue.Labels, 'y')",
      IDS,
    );
    expect(r).toMatchObject({ ok: true, condition: { steps: ["quick"] } });
  });

  test("an unknown context name, with where it starts", () => {
    expect(problems("${{ github.actor == 'x' }}")).toEqual([
      '4 unknown name "github" (expected one of steps, pr, issue, run)',
    ]);
    expect(problems("env.CI")).toEqual(['0 unknown name "env" (expected one of steps, pr, issue, run)']);
  });

  test("an unknown name below a context, at that name", () => {
    expect(problems("${{ pr.title }}")).toEqual([
      '7 unknown name "pr.title" (expected one of author, labels, base, additions, deletions, files)',
    ]);
    expect(problems("issue.base")).toEqual(['6 unknown name "issue.base" (expected one of author, labels)']);
    expect(problems("run.cost > 0")).toEqual(['4 unknown name "run.cost" (expected tokens)']);
    expect(problems("steps.quick.status")).toEqual([
      '12 unknown name "steps.quick.status" (expected one of outcome, findings)',
    ]);
    expect(problems("steps.quick.findings.critical > 0")).toEqual([
      '21 unknown name "steps.quick.findings.critical" (expected one of blocker, high, medium, low, total)',
    ]);
  });

  test("every unknown name is reported, not only the first", () => {
    expect(problems("pr.title == 'x' || steps.quick.status == 'y'")).toEqual([
      '3 unknown name "pr.title" (expected one of author, labels, base, additions, deletions, files)',
      '31 unknown name "steps.quick.status" (expected one of outcome, findings)',
    ]);
  });

  test("an unknown step id, at the id, listing the others but not the step itself", () => {
    expect(problems("${{ steps.qiuck.outcome == 'success' }}")).toEqual([
      '10 unknown step "qiuck" (expected one of quick, code-review, deploy-1)',
    ]);
    expect(errorsOf(withIf("${{ steps.qiuck.outcome == 'success' }}"))).toEqual([
      `${F}:10:27 step "s": if: unknown step "qiuck" (expected quick)`,
    ]);
  });

  test("steps without an id, or with a computed one, names no step: refused", () => {
    expect(problems("toJSON(steps) != ''")).toEqual([
      "7 expected `steps.<id>.outcome` or `steps.<id>.findings.<severity>` naming a step",
    ]);
    expect(problems("steps[pr.author].outcome")).toEqual([
      "0 expected `steps.<id>.outcome` or `steps.<id>.findings.<severity>` naming a step",
    ]);
    expect(problems("steps.*.outcome")).toEqual([
      "0 expected `steps.<id>.outcome` or `steps.<id>.findings.<severity>` naming a step",
    ]);
    expect(problems("pr[pr.author]")).toEqual([
      "0 expected a name after pr (expected one of author, labels, base, additions, deletions, files)",
    ]);
  });
});

describe("operators and functions", () => {
  test("GitHub's operators and the supported functions validate", () => {
    for (const expression of [
      "!contains(pr.labels, 'wip')",
      "startsWith(pr.base, 'release/') || endsWith(pr.author, '[bot]')",
      "contains(join(pr.files, ','), 'src/')",
      "format('{0}-{1}', pr.base, pr.author) == 'main-alice'",
      "toJSON(pr.labels) != '[]'",
      "fromJSON('[\"bug\"]')[0] == 'bug'",
      "(pr.additions >= 10 && pr.deletions <= 5) || run.tokens < 1000 || pr.additions > 1 || pr.deletions == 0",
      "startswith(pr.base, 'main')",
      "true && !false && null == null && 1.5 > 1",
    ]) {
      expect(problems(expression), expression).toEqual([]);
    }
  });

  test("a function that is not supported, at its name", () => {
    const expected = "(expected one of contains, startsWith, endsWith, format, join, toJSON, fromJSON)";
    expect(problems("${{ hashFiles('**/*.ts') != '' }}")).toEqual([
      `4 unsupported function "hashFiles" ${expected}`,
    ]);
    expect(problems("always()")).toEqual([`0 unsupported function "always" ${expected}`]);
    expect(problems("success() && pr.additions > 0")).toEqual([
      `0 unsupported function "success" ${expected}`,
    ]);
    expect(problems("pr.additions > 0 && failure()")).toEqual([
      `20 unsupported function "failure" ${expected}`,
    ]);
    // Known to the library, but experimental on GitHub.
    expect(problems("case(pr.base == 'main', 1, 0) > 0")).toEqual([
      `0 unsupported function "case" ${expected}`,
    ]);
  });
});

describe("syntax errors, at the character", () => {
  test("the library's lexer and parser errors, each at its position", () => {
    expect(problems("${{ pr.additions + pr.deletions > 500 }}")).toEqual([
      "17 syntax error: unexpected symbol: '+' (expressions have no arithmetic)",
    ]);
    expect(problems("pr.author = 'x'")).toEqual(["10 syntax error: unexpected symbol: '='"]);
    expect(problems("pr.author == 'x")).toEqual([
      "13 syntax error: unterminated string (expected a closing `'`)",
    ]);
    expect(problems("${{ (pr.additions > 1 }}")).toEqual([
      "20 syntax error: unexpected end of expression after '1'",
    ]);
    expect(problems("pr.additions > 1 )")).toEqual(["17 syntax error: unexpected symbol: ')'"]);
    expect(problems("contains(pr.labels 'x')")).toEqual(["19 syntax error: unexpected symbol: 'x'"]);
    expect(problems("pr.author ==")).toEqual(["10 syntax error: unexpected end of expression after '=='"]);
    expect(problems("pr.author & 'x'")).toEqual(["10 syntax error: unexpected symbol: '&'"]);
  });

  test("too few or too many arguments", () => {
    expect(problems("contains(pr.labels)")).toEqual([
      "0 syntax error: too few parameters supplied: 'contains'",
    ]);
    expect(problems("join(pr.files, ',', 'x')")).toEqual([
      "0 syntax error: too many parameters supplied: 'join'",
    ]);
  });

  test("positions in the file: plain, quoted and `${{ }}` values, and a literal block", () => {
    expect(errorsOf(withIf("${{ pr.additions + pr.deletions > 500 }}"))).toEqual([
      `${F}:10:34 step "s": if: syntax error: unexpected symbol: '+' (expressions have no arithmetic)`,
    ]);
    expect(errorsOf(withIf("pr.additions + pr.deletions > 500"))).toEqual([
      `${F}:10:30 step "s": if: syntax error: unexpected symbol: '+' (expressions have no arithmetic)`,
    ]);
    expect(errorsOf(withIf(`"\${{ pr.title != '' }}"`))).toEqual([
      `${F}:10:25 step "s": if: unknown name "pr.title" (expected one of author, labels, base, additions, deletions, files)`,
    ]);
    expect(errorsOf(withIf(`'pr.base == ''main'' && hashFiles(''x'')'`))).toEqual([
      // An escaped quote before the place: the file and the value no longer line up, so the value's start.
      `${F}:10:17 step "s": if: unsupported function "hashFiles" (expected one of contains, startsWith, endsWith, format, join, toJSON, fromJSON)`,
    ]);
    const block = yaml`
      version: 1
      workflows:
        w:
          phases:
            p:
              steps:
                - { id: quick, uses: review }
                - id: s
                  uses: review
                  if: |
                    steps.quick.outcome == 'success' &&
                      contains(pr.labels, 'x') && github.actor == 'y'
    `;
    expect(errorsOf(block)).toEqual([
      `${F}:12:45 step "s": if: unknown name "github" (expected one of steps, pr, issue, run)`,
    ]);
  });
});

describe("implied dependencies", () => {
  const file = (text: string) => {
    const r = parseWorkflow(text, { templates: {} });
    if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("\n"));
    return r.workflow;
  };

  test("a step waits for the steps its if: names, with the reason, even in a later phase", () => {
    const text = yaml`
      version: 1
      workflows:
        w:
          phases:
            review:
              steps:
                - { id: quick, uses: review }
                - id: early
                  uses: agent
                  prompt: x
                  if: \${{ steps.staging.outcome == 'success' || steps.quick.findings.total > 0 }}
            deploy:
              steps:
                - { id: staging, uses: deploy, with: { environment: staging } }
    `;
    expect(errorsOf(text)).toEqual([]);
    const early = planWorkflow(file(text), "w").steps.find((s) => s.id === "early");
    expect(early).toMatchObject({
      if: "steps.staging.outcome == 'success' || steps.quick.findings.total > 0",
      needs: ["staging", "quick"],
      needReasons: { staging: 'step "staging" (named in if:)', quick: 'step "quick" (named in if:)' },
    });
  });

  test("an explicit depends_on keeps its reason; a step named twice is needed once", () => {
    const text = yaml`
      version: 1
      workflows:
        w:
          phases:
            review:
              steps:
                - { id: quick, uses: review }
            approve:
              depends_on: [review]
              steps:
                - { id: lint, uses: review }
                - id: s
                  uses: approval
                  depends_on: [lint]
                  if: steps.lint.outcome == 'success' && steps.quick.outcome == 'success' && steps.lint.findings.total == 0
    `;
    const s = planWorkflow(file(text), "w").steps.find((p) => p.id === "s");
    expect(s?.needs).toEqual(["lint", "quick"]);
    expect(s?.needReasons).toEqual({ lint: 'step "lint"', quick: 'step "quick" (named in if:)' });
  });

  test("a cycle made by if: is reported like other cycles, at the name inside the expression", () => {
    const text = yaml`
      version: 1
      workflows:
        w:
          phases:
            p:
              steps:
                - id: a
                  uses: review
                  if: \${{ steps.b.outcome == 'success' }}
                - { id: b, uses: review, depends_on: [a] }
    `;
    expect(errorsOf(text)).toEqual([`${F}:9:27 workflow "w": step cycle: a → b → a`]);
  });

  test("a cycle through a phase dependency, and a step that names itself", () => {
    const text = yaml`
      version: 1
      workflows:
        w:
          phases:
            review:
              steps:
                - id: quick
                  uses: review
                  if: pr.additions > 0 && steps.gate.outcome == 'success'
            approve:
              depends_on: [review]
              steps:
                - { id: gate, uses: approval }
        v:
          phases:
            p:
              steps:
                - { id: self, uses: review, if: "steps.self.findings.total == 0" }
    `;
    expect(errorsOf(text)).toEqual([
      `${F}:9:43 workflow "w": step cycle: quick → gate → quick (a step also waits for every step of the phases its phase depends on)`,
      `${F}:18:50 workflow "v": step cycle: self → self`,
    ]);
  });

  test("an if: with an error adds no dependencies, so it causes no second error", () => {
    const text = yaml`
      version: 1
      workflows:
        w:
          phases:
            p:
              steps:
                - id: a
                  uses: review
                  if: steps.b.outcome == 'success' && pr.title == 'x'
                - { id: b, uses: review, depends_on: [a] }
    `;
    expect(errorsOf(text)).toEqual([
      `${F}:9:52 step "a": if: unknown name "pr.title" (expected one of author, labels, base, additions, deletions, files)`,
    ]);
  });
});

describe("docs/workflow-file.md", () => {
  const docs = readFileSync(new URL("../../../docs/workflow-file.md", import.meta.url), "utf8");
  const section = docs.slice(docs.indexOf("### `if:`"), docs.indexOf("### Phase conclusions"));
  const example = /```yaml\n(version: 1\n[\s\S]*?)```/.exec(section)?.[1] ?? "";
  const printed = /```\n(\.agents\/workflow\.yaml:[\s\S]*?)```/.exec(section)?.[1] ?? "";

  test("the typical uses validate", () => {
    expect(example).toContain("if: ${{ pr.additions > 500 || pr.deletions > 500 }}");
    expect(errorsOf(example)).toEqual([]);
  });

  test("the mistakes print what the page says", () => {
    const broken = example
      .replace("steps.quick-security.findings", "steps.quick-secruity.findings")
      .replace("contains(join(pr.files, ','), 'src/')", "hashFiles('src/**') != ''")
      .replace("pr.additions > 500 || pr.deletions > 500", "pr.additions + pr.deletions > 500");
    const lines = printed.trimEnd().split("\n");
    expect(lines.pop()).toBe(`✗ ${F}: 3 errors`);
    expect(errorsOf(broken)).toEqual(lines);
  });
});
