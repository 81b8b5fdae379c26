import type { FakeFile } from "./github-app-fake-github.js";

/** The workflow of issue 3's "standard run": review phase (3 agent steps in parallel) → one approval → squash merge. */
export const STANDARD_WORKFLOW = `version: 1
workflows:
  delivery:
    name: Delivery
    on:
      pull_request:
    phases:
      review:
        name: Review
        steps:
          - { id: code-review, uses: review }
          - { id: security, uses: security }
          - { id: tests, uses: tests }
      approve:
        name: Approval
        depends_on: [review]
        steps:
          - { id: approval, uses: approval, with: { count: 1 } }
      merge:
        name: Merge
        depends_on: [approve]
        steps:
          - { id: merge, uses: merge, with: { method: squash } }
`;

/**
 * A PR the heuristic provider has things to say about, none at or above `fail_on: high` (so the run reaches the
 * gate): a console.log and a TODO in new source (review), no test change (tests).
 */
export const FINDINGS_DIFF: readonly FakeFile[] = [
  {
    filename: "src/billing/limits.ts",
    status: "added",
    patch: [
      "@@ -0,0 +1,9 @@",
      "+export interface Limit {",
      "+  readonly max: number;",
      "+}",
      "+",
      "+export function checkLimit(limit: Limit, amount: number): boolean {",
      '+  console.log("checking limit", limit, amount);',
      "+  // TODO: read the limit from configuration",
      "+  return amount <= limit.max;",
      "+}",
    ].join("\n"),
  },
  {
    filename: "src/billing/orders.ts",
    status: "modified",
    patch: [
      "@@ -12,5 +12,6 @@ export function placeOrder(order: Order): Receipt {",
      "   const total = sum(order.lines);",
      "-  if (total > 1000) throw new LimitError(total);",
      "+  if (!checkLimit(limits.orders, total)) throw new LimitError(total);",
      "+  debugger;",
      "   return receipt(order, total);",
      " }",
      " ",
    ].join("\n"),
  },
  {
    filename: "README.md",
    status: "modified",
    patch: [
      "@@ -3,3 +3,4 @@",
      " ## Limits",
      " ",
      "-Orders over 1000 are refused.",
      "+Orders over the configured limit are refused.",
      "+",
    ].join("\n"),
  },
];

/** A PR with nothing to report: a source change together with its test. */
export const CLEAN_DIFF: readonly FakeFile[] = [
  {
    filename: "src/billing/limits.ts",
    status: "modified",
    patch: [
      "@@ -5,3 +5,4 @@ export interface Limit {",
      " export function checkLimit(limit: Limit, amount: number): boolean {",
      "-  return amount < limit.max;",
      "+  if (amount < 0) return false;",
      "+  return amount <= limit.max;",
      " }",
    ].join("\n"),
  },
  {
    filename: "test/billing/limits.test.ts",
    status: "modified",
    patch: [
      "@@ -10,3 +10,7 @@",
      ' test("under the limit", () => {',
      "   expect(checkLimit({ max: 5 }, 5)).toBe(true);",
      " });",
      "+",
      '+test("negative amounts are refused", () => {',
      "+  expect(checkLimit({ max: 5 }, -1)).toBe(false);",
      "+});",
    ].join("\n"),
  },
];
