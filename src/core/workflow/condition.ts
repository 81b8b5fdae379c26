// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ … }}` is the expression syntax of `if:`, not a placeholder.
import { data, type Expr, ExpressionError, Lexer, Parser } from "@actions/expressions";
import {
  Binary,
  ContextAccess,
  FunctionCall,
  Grouping,
  IndexAccess,
  Literal,
  Logical,
  Star,
  Unary,
} from "@actions/expressions/ast";
import { expectedOneOf } from "./describe-value.js";

/**
 * What an `if:` may read, below each context name. `steps.<id>` is checked against the workflow's step ids;
 * below a leaf (`pr.labels[0]`) nothing is checked: a missing key reads as null, as on GitHub.
 */
export const CONDITION_NAMES = {
  steps: ["outcome", "findings"],
  pr: ["author", "labels", "base", "additions", "deletions", "files"],
  issue: ["author", "labels"],
  run: ["tokens"],
} as const;
export const FINDINGS_NAMES = ["blocker", "high", "medium", "low", "total"] as const;

/**
 * GitHub's expression functions that make sense here. Not `case` (still experimental on GitHub), nor the
 * status functions (`success()`, `always()` …: dependencies decide that) or `hashFiles` (no checkout).
 */
export const CONDITION_FUNCTIONS = [
  "contains",
  "startsWith",
  "endsWith",
  "format",
  "join",
  "toJSON",
  "fromJSON",
] as const;

const CONTEXTS = Object.keys(CONDITION_NAMES);
const FUNCTIONS = new Set(CONDITION_FUNCTIONS.map((f) => f.toLowerCase()));
/** Lists in messages stop here, like the other graph checks. */
const MAX_LISTED = 20;

/** A problem with an `if:` value, at a character offset into that value (as YAML read it). */
export interface ConditionProblem {
  readonly offset: number;
  readonly message: string;
}

/** A parsed `if:`: the expression without `${{ }}`, its tree, and the step ids it names (each once, in order). */
export interface Condition {
  readonly expression: string;
  readonly tree: Expr;
  readonly steps: readonly string[];
  /** Where each named step is first named, as an offset into the `if:` value. */
  readonly stepOffsets: ReadonlyMap<string, number>;
}

export type ParsedCondition =
  | { readonly ok: true; readonly condition: Condition }
  | { readonly ok: false; readonly problems: readonly ConditionProblem[] };

/**
 * Parses an `if:` value with GitHub's expression library: either `${{ <expression> }}` around the whole value or
 * the bare expression, as GitHub Actions accepts for `if:`. Checks every name against the context (`steps`,
 * `pr`, `issue`, `run`) and the functions; `stepIds` (lower-case ids) also checks that each `steps.<id>` exists,
 * `null` skips that; `self`, the step's own id, is left out of the ids a message suggests. Never throws.
 *
 * @example parseCondition("${{ steps.code-review.findings.high > 0 }}", new Set(["code-review"]))
 * // { ok: true, condition: { expression: "steps.code-review.findings.high > 0", steps: ["code-review"], … } }
 */
export function parseCondition(
  value: string,
  stepIds: ReadonlySet<string> | null,
  self?: string,
): ParsedCondition {
  const unwrapped = unwrap(value);
  if ("message" in unwrapped) return { ok: false, problems: [unwrapped] };
  const { source, start } = unwrapped;
  const at = (offset: number, message: string): ParsedCondition => ({
    ok: false,
    problems: [{ offset: start + offset, message }],
  });
  if (source.trim() === "") return at(0, "empty expression (expected an expression like `pr.additions > 0`)");

  let tree: Expr | undefined;
  try {
    const { tokens } = new Lexer(source).lex();
    tree = new Parser(tokens, CONTEXTS, []).parse();
  } catch (err) {
    const problem = libraryProblem(err, source);
    return at(problem.offset, problem.message);
  }
  if (!tree) return at(0, "empty expression (expected an expression like `pr.additions > 0`)");

  const walk = new NameWalk(source, stepIds, self);
  walk.visit(tree);
  if (walk.problems.length > 0) {
    return {
      ok: false,
      problems: walk.problems.map((p) => ({ offset: start + p.offset, message: p.message })),
    };
  }
  const stepOffsets = new Map([...walk.steps].map(([id, offset]) => [id, start + offset]));
  return {
    ok: true,
    condition: { expression: source.trim(), tree, steps: [...walk.steps.keys()], stepOffsets },
  };
}

const OPEN = "${{";
const CLOSE = "}}";

/** The expression inside `${{ }}`, or the whole value; with where it starts in the value. */
function unwrap(value: string): { source: string; start: number } | ConditionProblem {
  const open = value.indexOf(OPEN);
  if (open === -1) return { source: value, start: 0 };
  const lead = value.length - value.trimStart().length;
  const end = value.trimEnd().length;
  const again = value.indexOf(OPEN, open + OPEN.length);
  if (open !== lead || !value.trimEnd().endsWith(CLOSE) || end - CLOSE.length < open + OPEN.length) {
    return {
      offset: open === lead ? open : 0,
      message: "expected one expression: `${{ … }}` around the whole value, or the expression alone",
    };
  }
  if (again !== -1 && again < end - CLOSE.length) {
    return {
      offset: again,
      message: "expected one expression: `${{ … }}` around the whole value, or the expression alone",
    };
  }
  return { source: value.slice(open + OPEN.length, end - CLOSE.length), start: open + OPEN.length };
}

/** The library's lexer throws plain errors that say `Located at position N` (1-based); its parser, positions. */
function libraryProblem(err: unknown, source: string): ConditionProblem {
  if (err instanceof ExpressionError) {
    const offset = offsetOf(source, err.pos.line, err.pos.column);
    const named = /^Unrecognized (named-value|function): '(.*)'$/.exec(err.message);
    if (named?.[1] === "named-value") {
      return { offset, message: `unknown name ${JSON.stringify(named[2])} (${expectedOneOf(CONTEXTS)})` };
    }
    if (named?.[1] === "function") return { offset, message: unsupportedFunction(named[2] ?? "") };
    return { offset, message: syntaxError(err.message) };
  }
  const message = err instanceof Error ? err.message : String(err);
  const located = /^(.*?)\. Located at position (\d+) within expression/s.exec(message);
  if (located) {
    return { offset: Math.max(0, Number(located[2]) - 1), message: syntaxError(located[1] ?? message) };
  }
  if (message === "ErrorExceededMaxLength") {
    return { offset: 0, message: "expression too long (expected at most 21000 characters)" };
  }
  return { offset: 0, message: syntaxError(message) };
}

function syntaxError(message: string): string {
  if (/^Unexpected symbol: ''/.test(message))
    return "syntax error: unterminated string (expected a closing `'`)";
  const end = /^Unexpected end of expression: '(.*)'$/s.exec(message);
  if (end) return `syntax error: unexpected end of expression after '${end[1]}'`;
  const text = `${message.charAt(0).toLowerCase()}${message.slice(1)}`;
  // `+` and `-` lex as the start of a number: the likeliest cause is arithmetic, which expressions lack.
  const arithmetic = /^unexpected symbol: '[-+]'$/.test(text) ? " (expressions have no arithmetic)" : "";
  return `syntax error: ${text}${arithmetic}`;
}

function unsupportedFunction(name: string): string {
  return `unsupported function ${JSON.stringify(name)} (${expectedOneOf(CONDITION_FUNCTIONS)})`;
}

/** A (0-based) line and column of the library, as an offset into `source`. */
function offsetOf(source: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 0; l < line; l++) {
    const next = source.indexOf("\n", offset);
    if (next === -1) break;
    offset = next + 1;
  }
  return Math.min(source.length, offset + column);
}

type Key = { readonly text: string; readonly offset: number } | null;

/** Checks names and functions on the tree and collects the step ids it names. */
class NameWalk {
  readonly problems: ConditionProblem[] = [];
  /** Named step ids and where each is first named. */
  readonly steps = new Map<string, number>();

  constructor(
    private readonly source: string,
    private readonly stepIds: ReadonlySet<string> | null,
    /** The step the `if:` belongs to, left out of "expected one of" (naming it is a cycle, reported as one). */
    private readonly self: string | undefined,
  ) {}

  visit(e: Expr): void {
    if (e instanceof IndexAccess || e instanceof ContextAccess) this.access(e);
    else if (e instanceof FunctionCall) {
      const name = e.functionName;
      if (!FUNCTIONS.has(name.lexeme.toLowerCase())) {
        this.problem(name.range.start, unsupportedFunction(name.lexeme));
      }
      for (const arg of e.args) this.visit(arg);
    } else if (e instanceof Unary) this.visit(e.expr);
    else if (e instanceof Binary) {
      this.visit(e.left);
      this.visit(e.right);
    } else if (e instanceof Logical) for (const arg of e.args) this.visit(arg);
    else if (e instanceof Grouping) this.visit(e.group);
    // Literals read nothing.
  }

  /** `pr.labels`, `steps['x'].findings.high`: the chain down to its root, its names checked. */
  private access(e: IndexAccess | ContextAccess): void {
    const keys: Key[] = [];
    let node: Expr = e;
    while (node instanceof IndexAccess) {
      keys.unshift(this.key(node.index));
      node = node.expr;
    }
    if (!(node instanceof ContextAccess)) {
      this.visit(node); // `fromJSON(…)['a']`: nothing to check below a computed value
      return;
    }
    const root = node.name.lexeme.toLowerCase() as keyof typeof CONDITION_NAMES;
    const at = this.offset(node.name.range.start);
    if (root === "steps") this.stepAccess(at, keys);
    else this.expect(keys[0], CONDITION_NAMES[root], root, at);
  }

  private stepAccess(at: number, keys: readonly Key[]): void {
    const [id, field, severity] = keys;
    if (!id) {
      this.problems.push({
        offset: at,
        message: "expected `steps.<id>.outcome` or `steps.<id>.findings.<severity>` naming a step",
      });
      return;
    }
    const known = this.stepIds === null || this.stepIds.has(id.text.toLowerCase());
    if (!known) {
      const ids = [...(this.stepIds ?? [])].filter((s) => s !== this.self);
      const list = ids.length > MAX_LISTED ? [...ids.slice(0, MAX_LISTED), "…"] : ids;
      const expected = list.length === 0 ? "there are no other steps" : expectedOneOf(list);
      this.problems.push({
        offset: id.offset,
        message: `unknown step ${JSON.stringify(id.text)} (${expected})`,
      });
      return;
    }
    if (!this.steps.has(id.text.toLowerCase())) this.steps.set(id.text.toLowerCase(), id.offset);
    const name = `steps.${id.text}`;
    if (keys.length < 2) return;
    if (!this.expect(field, CONDITION_NAMES.steps, name, id.offset)) return;
    if (field?.text.toLowerCase() === "findings" && keys.length > 2) {
      this.expect(severity, FINDINGS_NAMES, `${name}.findings`, field.offset);
    }
  }

  /** A key below `parent` must be one of `names`; a computed or `*` key cannot be checked, so it is refused. */
  private expect(key: Key | undefined, names: readonly string[], parent: string, at: number): boolean {
    if (key === undefined) return true;
    const options = expectedOneOf(names);
    if (key === null) {
      this.problems.push({ offset: at, message: `expected a name after ${parent} (${options})` });
      return false;
    }
    if (names.includes(key.text.toLowerCase())) return true;
    this.problems.push({
      offset: key.offset,
      message: `unknown name ${JSON.stringify(`${parent}.${key.text}`)} (${options})`,
    });
    return false;
  }

  /** A literal key (`.x` or `['x']`) with its offset; null for `*` or a computed key, whose parts are walked. */
  private key(index: Expr): Key {
    if (index instanceof Literal && index.literal.kind === data.Kind.String) {
      return { text: index.literal.coerceString(), offset: this.offset(index.token.range.start) };
    }
    if (!(index instanceof Star)) this.visit(index);
    return null;
  }

  private problem(pos: { line: number; column: number }, message: string): void {
    this.problems.push({ offset: this.offset(pos), message });
  }

  private offset(pos: { line: number; column: number }): number {
    return offsetOf(this.source, pos.line, pos.column);
  }
}
