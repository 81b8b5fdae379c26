import { type IncomingHttpHeaders, request } from "node:http";
import { expect } from "vitest";
import { newRunState, type RunFacts, type RunState, type StepState } from "../../src/core/run/run-state.js";
import { StepTable } from "../../src/core/run/step-table.js";
import { facts, planOf } from "../core/helpers.js";

export const TOKEN = "dashboard-token-0123456789abcdef";
export const XSS_TITLE = "<img src=x onerror=alert(1)>";

/** Review, security and tests in parallel, then an approval gate, then a merge. */
export const plan = planOf({
  review: ["review:review", "security:security", "tests:tests"],
  approve: { needs: ["review"], steps: ["gate:approval"] },
  ship: { needs: ["approve"], steps: ["merge:merge"] },
});

/**
 * A stored-shape run whose three agent steps ran in parallel from `t0` (and finished), with a finding in
 * `review`, and whose gate waits.
 */
export function waitingRun(id: string, t0: number, over: Partial<RunFacts> = {}): RunState {
  const base = newRunState({ id, plan, facts: facts(over), createdAt: t0 });
  const done = (sid: string, start: number, end: number, extra: Partial<StepState> = {}): StepState => ({
    ...base.steps.get(sid)!,
    status: "succeeded",
    attempts: 1,
    startedAt: t0 + start,
    finishedAt: t0 + end,
    output: { summary: "no findings" },
    tokens: 100,
    ...extra,
  });
  const steps = StepTable.of<StepState>([
    done("review", 10, 900, {
      tokens: 1200,
      output: {
        summary: "1 finding (1 high)",
        findings: [
          {
            file: "src/app.ts",
            line: 3,
            severity: "high",
            title: "<script>alert(2)</script>",
            body: "Body & <b>text</b>",
          },
        ],
      },
    }),
    done("security", 12, 700),
    done("tests", 15, 1100),
    {
      ...base.steps.get("gate")!,
      status: "waiting",
      attempts: 1,
      startedAt: t0 + 1110,
      waitingFor: "approval",
      output: { summary: "needs 1 approval on abc1234", data: { eligible: "@acme/maintainers" } },
    },
    base.steps.get("merge")!,
  ]);
  return { ...base, status: "waiting", startedAt: t0, steps, tokens: 1400 };
}

/** POSTs a form with node:http (nock's fetch interceptor cannot replay a form body), without following redirects. */
export function postForm(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * A dashboard page needs a session: a browser is sent to sign in, any other client gets 401 and nothing of
 * the page (asserted with `expect`).
 */
export async function expectSessionRequired(base: string, path: string, secret: string): Promise<void> {
  const browser = await fetch(`${base}${path}`, { headers: { accept: "text/html" }, redirect: "manual" });
  expect(browser.status).toBe(303);
  expect(browser.headers.get("location")).toBe("/agents/login");
  const api = await fetch(`${base}${path}?repo=${secret}`, { redirect: "manual" });
  expect(api.status).toBe(401);
  expect(await api.text()).not.toContain(secret.split("/")[0]);
}
