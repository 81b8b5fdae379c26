import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parseWorkflow } from "../../../src/core/workflow/parse-workflow.js";
import { formatWorkflowError } from "../../../src/core/workflow/workflow-error.js";
import { guardYaml, MAX_DEPTH, MAX_FILE_BYTES } from "../../../src/core/workflow/yaml-guard.js";
import { mulberry32 } from "../../helpers/mulberry32.js";
import { errorsOf, yaml } from "../workflow-text.js";

const F = ".agents/workflow.yaml";

/** Runs a parse and fails the test if it takes longer than `ms`: hostile input must never hang. */
function quickly(text: string, ms = 2000): string[] {
  const start = performance.now();
  const errors = errorsOf(text);
  expect(performance.now() - start).toBeLessThan(ms);
  return errors;
}

describe("hostile input gets one clear error, never a hang or a crash", () => {
  test("files over 256 KiB are refused before parsing", () => {
    expect(quickly(`# ${"x".repeat(MAX_FILE_BYTES)}`)).toEqual([
      `${F}:1:1 file is too large: 257 KiB (the limit is 256 KiB)`,
    ]);
    // Bytes, not characters: 100,000 three-byte characters are 293 KiB.
    expect(quickly(`# ${"€".repeat(100_000)}`)).toEqual([
      `${F}:1:1 file is too large: 293 KiB (the limit is 256 KiB)`,
    ]);
    // Exactly at the limit is read (and is then just an empty, comment-only file).
    expect(quickly(`#${"x".repeat(MAX_FILE_BYTES - 2)}\n`)).toEqual([
      `${F}:1:1 file is empty (expected a mapping with "version" and "workflows")`,
    ]);
  });

  test("binary data", () => {
    expect(quickly("\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR")).toEqual([
      `${F}:1:1 file is not YAML text: it contains the character U+0089 (binary data?)`,
    ]);
    expect(quickly("version: 1\nworkflows:\u0000\n")).toEqual([
      `${F}:2:11 file is not YAML text: it contains the character U+0000 (binary data?)`,
    ]);
    expect(quickly("version: 1\nname: \ud800x\n")).toEqual([
      `${F}:2:7 file is not YAML text: it contains the character U+D800 (binary data?)`,
    ]);
  });

  test("any explicit tag is refused, custom or standard", () => {
    const text = yaml`
      version: !!int 1
      workflows:
        ci: !!js/function "function () { return process.exit(1) }"
        cd: !foo bar
        ce: !<tag:yaml.org,2002:str> x
    `;
    expect(quickly(text)).toEqual([
      `${F}:1:10 explicit tags are not allowed (found "!!int"); write plain values`,
      `${F}:3:7 explicit tags are not allowed (found "!!js/function"); write plain values`,
      `${F}:4:7 explicit tags are not allowed (found "!foo"); write plain values`,
      `${F}:5:7 explicit tags are not allowed (found "!<tag:yaml.org,2002:str>"); write plain values`,
    ]);
  });

  test("a `!` inside text is not a tag", () => {
    const text = yaml`
      version: 1
      workflows:
        ci:
          phases:
            p:
              steps:
                - id: a
                  uses: agent
                  prompt: |
                    !important: say "hi!"
    `;
    expect(quickly(text)).toEqual([]);
  });

  test("alias bombs are capped and reported at the first alias", () => {
    const row = (name: string, of: string) => `${name}: &${name} [${Array(9).fill(of).join(", ")}]`;
    const text = [
      "version: 1",
      row("a", '"lol"'),
      row("b", "*a"),
      row("c", "*b"),
      row("d", "*c"),
      row("e", "*d"),
      row("f", "*e"),
      row("g", "*f"),
      row("h", "*g"),
      row("i", "*h"),
    ].join("\n");
    expect(quickly(text)).toEqual([
      `${F}:3:8 too many alias expansions (more than 100); anchors and aliases may not blow up the file`,
    ]);
  });

  test("duplicate keys are errors, named in their context", () => {
    const text = yaml`
      version: 1
      workflows:
        ci:
          phases:
            p:
              steps:
                - id: a
                  uses: review
                  uses: tests
      version: 1
    `;
    expect(quickly(text)).toEqual([
      `${F}:9:13 step "a": duplicate key "uses"`,
      `${F}:10:1 duplicate key "version"`,
    ]);
  });

  test('keys that collide once read as text (`1` and "1") are duplicates too', () => {
    expect(quickly('version: 1\nagents:\n  1: {}\n  "1": {}\n')).toEqual([
      `${F}:4:3 agents: duplicate key "1"`,
    ]);
  });

  test("20,000 unknown keys are all reported, in linear time", () => {
    const text = `version: 1\nworkflows: { w: { phases: { p: { steps: [{ id: a, uses: review }] } } } }\n${Array.from(
      { length: 20_000 },
      (_, i) => `k${i}: 1`,
    ).join("\n")}`;
    const errors = quickly(text, 6000);
    expect(errors).toHaveLength(20_000);
    expect(errors[19_999]).toBe(
      `${F}:20002:1 unknown key "k19999" (expected one of version, settings, agents, workflows)`,
    );
  });

  test("200 KB of `[` is refused at the 65th level without overflowing the stack", () => {
    expect(quickly("[".repeat(200_000), 1000)).toEqual([`${F}:1:65 nesting is deeper than 64 levels`]);
    expect(quickly("{a: ".repeat(60_000), 1000)).toEqual([`${F}:1:257 nesting is deeper than 64 levels`]);
  });

  test("deep block nesting is refused too, by indentation and by compact lists", () => {
    const indented = Array.from({ length: 100 }, (_, i) => `${" ".repeat(i)}a:`).join("\n");
    expect(quickly(indented)).toEqual([`${F}:65:65 nesting is deeper than 64 levels`]);
    expect(quickly(`${"- ".repeat(100_000)}x`)).toEqual([`${F}:1:129 nesting is deeper than 64 levels`]);
  });

  test("nesting up to 64 levels passes the guard", () => {
    expect(guardYaml(`${"[".repeat(MAX_DEPTH)}${"]".repeat(MAX_DEPTH)}`).problems).toEqual([]);
    expect(guardYaml(`${"- ".repeat(MAX_DEPTH)}x`).problems).toEqual([]);
    expect(guardYaml(`${"[".repeat(MAX_DEPTH + 1)}${"]".repeat(MAX_DEPTH + 1)}`).problems).toEqual([
      { offset: MAX_DEPTH, message: "nesting is deeper than 64 levels" },
    ]);
  });

  test("several YAML documents", () => {
    expect(quickly("version: 1\n---\nversion: 1\n")).toEqual([
      `${F}:2:1 expected a single YAML document, found a second one (remove the "---" separator)`,
    ]);
  });

  test("YAML directives, which could switch to YAML 1.1 (where `on` means true)", () => {
    expect(quickly("%YAML 1.1\n---\nversion: 1\n")).toEqual([
      `${F}:1:1 YAML directives are not supported (found "%YAML 1.1")`,
    ]);
  });

  test("a root that is not a mapping", () => {
    expect(quickly("- version: 1\n")).toEqual([`${F}:1:1 expected a mapping at the top level, got a list`]);
    expect(quickly("just some text")).toEqual([
      `${F}:1:1 expected a mapping at the top level, got string "just some text"`,
    ]);
    expect(quickly("\n\n  42\n")).toEqual([`${F}:3:3 expected a mapping at the top level, got number 42`]);
    expect(quickly("~")).toEqual([`${F}:1:1 expected a mapping at the top level, got an empty value`]);
  });

  test("an empty file, or one with only comments and blank lines", () => {
    const empty = `${F}:1:1 file is empty (expected a mapping with "version" and "workflows")`;
    expect(quickly("")).toEqual([empty]);
    expect(quickly("\n \n\t\n")).toEqual([empty]);
    expect(quickly("# nothing yet\n")).toEqual([empty]);
  });

  test("YAML syntax errors, every one of them", () => {
    const text = yaml`
      version: 1
      workflows: [a, b
      name: 'unterminated
    `;
    expect(quickly(text)).toEqual([
      `${F}:3:1 invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
      `${F}:4:1 invalid YAML: Missing closing 'quote`,
    ]);
  });

  test("a merge key `<<` is not special: it is an unknown key", () => {
    const text = yaml`
      version: 1
      base: &base { version: 1 }
      <<: *base
    `;
    expect(quickly(text)).toEqual([
      `${F}:1:1 missing required key "workflows"`,
      `${F}:2:1 unknown key "base" (expected one of version, settings, agents, workflows)`,
      `${F}:3:1 unknown key "<<" (expected one of version, settings, agents, workflows)`,
    ]);
  });
});

const prng = mulberry32;

/** Every result must be well formed: ok, or errors with real positions and one-line, filled-in messages. */
function expectWellFormed(text: string, label: string): void {
  let r: ReturnType<typeof parseWorkflow>;
  try {
    r = parseWorkflow(text, { templates: { feature: readFileSync("workflows/feature.yaml", "utf8") } });
  } catch (e) {
    throw new Error(`${label}: parseWorkflow threw ${(e as Error).stack}\n--- input ---\n${text}`);
  }
  if (r.ok) return;
  const lineCount = text.split("\n").length;
  expect(r.errors.length, label).toBeGreaterThan(0);
  for (const e of r.errors) {
    const where = `${label}: ${formatWorkflowError(e)}`;
    expect(e.file, where).toBe(F);
    expect(e.line >= 1 && e.line <= lineCount, where).toBe(true);
    expect(e.col >= 1, where).toBe(true);
    expect(e.message, where).toMatch(/^\S/);
    expect(e.message, where).not.toMatch(/\n|undefined|\[object |NaN/);
  }
  const order = r.errors.map((e) => e.line * 1e6 + e.col);
  expect(order, label).toEqual([...order].sort((a, b) => a - b));
}

describe("fuzz: no input makes parseWorkflow throw or produce a malformed error", () => {
  const spec = readFileSync("test/fixtures/workflows/good/spec-example.yaml", "utf8");

  test("random YAML-ish text", () => {
    const rand = prng(1);
    const alphabet = [..."[]{}:-,&*!|>'\"#%@` \n\n\t?~.abcxyz019_"];
    for (let n = 0; n < 400; n++) {
      const len = Math.floor(rand() * 120);
      const text = Array.from({ length: len }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
      expectWellFormed(text, `random #${n}`);
    }
  });

  test("mutations of the spec's example: cut, duplicate, swap and retype slices", () => {
    const rand = prng(2);
    const pick = (max: number) => Math.floor(rand() * max);
    const junk = [
      "",
      "- ",
      ": ",
      "{",
      "]",
      "*a",
      "&a ",
      "\n  ",
      "\t",
      "~",
      "'",
      '"',
      "uses: merg",
      "depends_on: [x]",
    ];
    for (let n = 0; n < 200; n++) {
      let text = spec;
      for (let k = 1 + pick(3); k > 0; k--) {
        const a = pick(text.length);
        const b = Math.min(text.length, a + pick(40));
        const choice = pick(3);
        const insert =
          choice === 0
            ? ""
            : choice === 1
              ? text.slice(pick(text.length)).slice(0, 30)
              : junk[pick(junk.length)]!;
        text = text.slice(0, a) + insert + text.slice(b);
      }
      expectWellFormed(text, `mutation #${n}`);
    }
  });

  test("random bytes decoded as UTF-8", () => {
    const rand = prng(3);
    for (let n = 0; n < 100; n++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256));
      expectWellFormed(new TextDecoder().decode(bytes), `bytes #${n}`);
    }
  });
});
