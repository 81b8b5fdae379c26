import { RE2JS, RE2Set } from "re2js";
import { buildKeywordMatcher } from "./keyword-matcher.js";
import type { RuleContext, SecretRule } from "./secret-rule.js";

/** A rule with its pattern compiled for RE2 (linear time in the line's length, whatever the pattern). */
export interface CompiledRule {
  readonly rule: SecretRule;
  readonly re: RE2JS;
  /** Does the pattern match anywhere in the line? A DFA answer, shared by rules of the same keywords. */
  readonly test: (text: string) => boolean;
}

/** Rules ready to scan: compiled, and a keyword prefilter that names the few a line can match. */
export interface CompiledRules {
  readonly rules: readonly CompiledRule[];
  /** Indexes into `rules`, in order, of the rules to try on a line (lower-cased) read in `context`. */
  readonly candidates: (lowerText: string, context: RuleContext | undefined) => readonly number[];
}

const compiled = new WeakMap<readonly SecretRule[], CompiledRules>();
let compilations = 0;

/** How many rule sets were compiled in this process (each set once). */
export function ruleCompilations(): number {
  return compilations;
}

function compile(rule: SecretRule): RE2JS {
  try {
    return RE2JS.compile(rule.pattern);
  } catch (error) {
    throw new Error(`secret rule ${rule.id}: invalid RE2 pattern`, { cause: error });
  }
}

/**
 * One DFA pass for rules that share their keywords (the generic assignments; the URL rules): an RE2 set says
 * which of them match a line, remembered for the line being scanned.
 */
function sharedTests(
  rules: readonly SecretRule[],
  indexes: readonly number[],
): Map<number, (text: string) => boolean> {
  const set = new RE2Set();
  for (const index of indexes) set.add((rules[index] as SecretRule).pattern);
  set.compile();
  let lastText: string | null = null;
  let matched = new Set<number>();
  const tests = new Map<number, (text: string) => boolean>();
  indexes.forEach((index, id) => {
    tests.set(index, (text) => {
      if (text !== lastText) {
        matched = new Set(set.match(text));
        lastText = text;
      }
      return matched.has(id);
    });
  });
  return tests;
}

/** Compiles `rules` once (cached per array). Throws on a pattern RE2 rejects, naming the rule. */
export function compileRules(rules: readonly SecretRule[]): CompiledRules {
  const cached = compiled.get(rules);
  if (cached) return cached;
  compilations++;
  const keywords: string[] = [];
  const rulesOfKeyword: number[][] = [];
  const always: number[] = [];
  const byContext = new Map<RuleContext, number[]>();
  const byKeywords = new Map<string, number[]>();
  rules.forEach((rule, index) => {
    if (rule.context !== undefined) {
      byContext.set(rule.context, [...(byContext.get(rule.context) ?? []), index]);
      return;
    }
    if (rule.keywords.length === 0) always.push(index);
    const group = rule.keywords.join("\n");
    byKeywords.set(group, [...(byKeywords.get(group) ?? []), index]);
    for (const keyword of rule.keywords) {
      let at = keywords.indexOf(keyword);
      if (at < 0) {
        at = keywords.push(keyword) - 1;
        rulesOfKeyword.push([]);
      }
      rulesOfKeyword[at]?.push(index);
    }
  });
  const shared = new Map<number, (text: string) => boolean>();
  for (const indexes of byKeywords.values()) {
    if (indexes.length > 1) for (const [index, test] of sharedTests(rules, indexes)) shared.set(index, test);
  }
  const compiledRules = rules.map((rule, index): CompiledRule => {
    const re = compile(rule);
    return { rule, re, test: shared.get(index) ?? ((text) => re.test(text)) };
  });
  const match = buildKeywordMatcher(keywords);
  // A stamp per rule, so that collecting a line's candidates allocates nothing per rule.
  const seen = new Uint32Array(rules.length);
  let stamp = 0;
  const candidates = (lowerText: string, context: RuleContext | undefined): readonly number[] => {
    const found = match(lowerText);
    const inContext = context === undefined ? [] : (byContext.get(context) ?? []);
    if (found.size === 0 && always.length === 0) return inContext;
    stamp++;
    const out: number[] = [...inContext];
    for (const index of always) {
      seen[index] = stamp;
      out.push(index);
    }
    for (const k of found) {
      for (const index of rulesOfKeyword[k] ?? []) {
        if (seen[index] === stamp) continue;
        seen[index] = stamp;
        out.push(index);
      }
    }
    return out.sort((a, b) => a - b);
  };
  const result = { rules: compiledRules, candidates };
  compiled.set(rules, result);
  return result;
}
