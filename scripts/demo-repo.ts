import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** Writes `files` into `repo` (creating folders) and commits them with a fixed author. */
export function commitFiles(repo: string, files: Record<string, string>, message: string): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), text);
  }
  git(repo, "add", ".");
  git(repo, "commit", "-q", "-m", message);
}

export function git(repo: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=Demo", "-c", "user.email=demo@example.com", ...args], {
    cwd: repo,
    encoding: "utf8",
  });
}

export const DEMO_WORKFLOW = `version: 1
workflows:
  delivery:
    name: Delivery
    template: feature # review (review + security + tests) → approval → squash merge
`;

/**
 * A repository with `main` (a cart module and its test) and a checked-out branch `coupons` that adds a coupon
 * module without a test, a debug `console.log` and a TODO: a small pull request with something to find.
 */
export function createDemoRepo(repo: string, workflow: string = DEMO_WORKFLOW): void {
  git(repo, "init", "-q", "-b", "main");
  commitFiles(
    repo,
    {
      ".agents/workflow.yaml": workflow,
      "src/cart.ts": `export interface Line { sku: string; price: number; qty: number }

export function total(lines: Line[]): number {
  return lines.reduce((sum, l) => sum + l.price * l.qty, 0);
}
`,
      "test/cart.test.ts": `import { total } from "../src/cart";
test("total", () => expect(total([{ sku: "a", price: 2, qty: 3 }])).toBe(6));
`,
    },
    "Cart totals",
  );
  git(repo, "checkout", "-q", "-b", "coupons");
  commitFiles(
    repo,
    {
      "src/cart.ts": `import { applyCoupon } from "./coupon";

export interface Line { sku: string; price: number; qty: number }

export function total(lines: Line[], coupon?: string): number {
  const sum = lines.reduce((s, l) => s + l.price * l.qty, 0);
  console.log("total before coupon", sum);
  return coupon ? applyCoupon(sum, coupon) : sum;
}
`,
      "src/coupon.ts": `// TODO: load coupons from the database
const COUPONS: Record<string, number> = { WELCOME10: 0.1 };

export function applyCoupon(sum: number, code: string): number {
  const off = COUPONS[code] ?? 0;
  return Math.round(sum * (1 - off) * 100) / 100;
}
`,
    },
    "Add coupons",
  );
}
