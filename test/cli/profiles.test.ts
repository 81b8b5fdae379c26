import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { git } from "../../scripts/demo-repo.js";
import { main } from "../../src/cli/main.js";
import type { Db } from "../../src/db/connect.js";
import { FindingStore, type JudgementRecord, type PostedFinding } from "../../src/db/finding-store.js";
import { openRunStore } from "../../src/db/open-run-store.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../db/databases.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 15, 12); // 2026-12-15T12:00:00Z
const ago = (days: number) => NOW - days * DAY;

type Judged = [JudgementRecord["judgement"], JudgementRecord["source"], number];

/** A finding posted on a PR a month ago, judged (or not) later. */
function posted(
  repo: string,
  fingerprint: string,
  persona: string,
  model: string,
  kind: string,
  task: string,
) {
  return {
    repo,
    number: 7,
    fingerprint,
    runId: "run-1",
    stepId: kind,
    persona,
    model,
    stepKind: kind,
    taskType: task,
    file: task === "docs" ? "README.md" : "src/a.ts",
    line: 3,
    severity: "medium",
    title: "Title that stays on GitHub",
    source: null,
    codeHash: null,
    postedIn: "inline",
    reviewId: "900",
    headSha: "abc1234",
    postedAt: ago(30),
  } satisfies PostedFinding;
}

/**
 * Two repositories, two models. acme/api reviewer on gpt-a (review, ts): useful today (weight 3), wrong today (3),
 * addressed by a push 7 days ago (0.5·3 = 1.5), wrong 14 days ago (0.25) → expertise 4.5 / 7.75; gpt-b: useful
 * 28 days ago (0.0625), wrong today (3) → 0.0625 / 3.0625. acme/app: security on gpt-a (security, py) useful 7
 * days ago → 1; reviewer on gpt-a (review, docs) dismissed 14 days ago → 0. One acme/api finding stays open.
 */
const HISTORY: [PostedFinding, Judged | null][] = [
  [posted("acme/api", "f1", "reviewer", "gpt-a", "review", "ts"), ["useful", "reply", NOW]],
  [posted("acme/api", "f2", "reviewer", "gpt-a", "review", "ts"), ["wrong", "reply", NOW]],
  [posted("acme/api", "f3", "reviewer", "gpt-a", "review", "ts"), ["addressed", "push", ago(7)]],
  [posted("acme/api", "f4", "reviewer", "gpt-a", "review", "ts"), ["wrong", "reaction", ago(14)]],
  [posted("acme/api", "f5", "reviewer", "gpt-b", "review", "ts"), ["useful", "reaction", ago(28)]],
  [posted("acme/api", "f6", "reviewer", "gpt-b", "review", "ts"), ["wrong", "reply", NOW]],
  [posted("acme/api", "f7", "reviewer", "gpt-b", "review", "ts"), null],
  [posted("acme/app", "f8", "security", "gpt-a", "security", "py"), ["useful", "reply", ago(7)]],
  [posted("acme/app", "f9", "reviewer", "gpt-a", "review", "docs"), ["dismissed", "thread", ago(14)]],
];

async function seed(db: Db, history = HISTORY): Promise<void> {
  const store = new FindingStore(db);
  await store.recordPosted(history.map(([f]) => f));
  for (const [f, j] of history) {
    if (!j) continue;
    const [judgement, source, at] = j;
    await store.judge(f.repo, f.number, f.fingerprint, {
      judgement,
      source,
      actor: "octocat",
      reason: null,
      at,
      clears: false,
    });
  }
}

/** The 30 days of a curve ending today, with `points` (day offset → [judged, precision]) and gaps elsewhere. */
function curve(points: Record<number, [number, number]>) {
  return Array.from({ length: 30 }, (_, i) => {
    const daysAgo = 29 - i;
    const p = points[daysAgo];
    return {
      day: new Date(ago(daysAgo)).toISOString().slice(0, 10),
      judged: p?.[0] ?? 0,
      precision: p?.[1] ?? null,
    };
  });
}

const score = (health: number, expertise: number, confidence: number) =>
  0.3 * health + 0.5 * expertise + 0.2 * confidence;

const TABLE = `REPO      AGENT     MODEL  KIND      TASK  JUDGED  PRECISION  EXPERTISE  CONFIDENCE  HEALTH  SCORE
acme/api  reviewer  gpt-a  review    ts    4       0.50       0.58       0.20        1.00    0.63
acme/api  reviewer  gpt-b  review    ts    2       0.50       0.02       0.10        1.00    0.33
acme/app  reviewer  gpt-a  review    docs  1       0.00       0.00       0.05        1.00    0.31
acme/app  security  gpt-a  security  py    1       1.00       1.00       0.05        1.00    0.81

Findings by state:
acme/api  open 1 · useful 2 · wrong 3 · addressed 1 · dismissed 0
acme/app  open 0 · useful 1 · wrong 0 · addressed 0 · dismissed 1
`;

const NONE =
  "No judged findings yet: reply `/agents useful` or `/agents wrong` to the app's inline comments, react 👍/👎, " +
  "resolve their threads, or push a change to the flagged code.\n";

/** Runs the CLI in `cwd`, on `.git/phasegate.db` or on `databaseUrl`, capturing its output. */
async function run(cwd: string, databaseUrl: string | undefined, argv: string[]) {
  let stdout = "";
  let stderr = "";
  const env = { ...process.env };
  delete env.DATABASE_URL;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const code = await main(argv, {
    cwd,
    env,
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
    color: false,
  });
  return { code, stdout, stderr };
}

test("phasegate profiles --help", async () => {
  const r = await run(tmpdir(), undefined, ["profiles", "--help"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(`Usage: phasegate profiles [options]

print each agent's learning profile per repository, from judged findings

Options:
  --repo <owner/name>  only this repository
  --json               print profiles and findings by state as JSON
  -h, --help           display help for command
`);
});

describe.each(DATABASE_KINDS)("phasegate profiles (%s)", (kind) => {
  let repo: string;
  /** Postgres only: the server's database, read through DATABASE_URL. */
  let server: TestDatabase | undefined;
  let db: Db;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: NOW });
    repo = mkdtempSync(join(tmpdir(), "phasegate-profiles-"));
    git(repo, "init", "-q", "-b", "main");
    if (kind === "postgres") {
      server = await createTestDatabase("postgres");
      db = server.db;
    } else {
      // The CLI's own database: .git/phasegate.db, a real SQLite file.
      const store = await openRunStore(`sqlite:${join(repo, ".git", "phasegate.db")}`);
      db = store.database;
    }
  });
  afterEach(async () => {
    vi.useRealTimers();
    if (server) await server.cleanup();
    else await db.close();
    server = undefined;
    rmSync(repo, { recursive: true, force: true });
  });

  const cli = (...argv: string[]) => run(repo, server?.url, argv);

  test("with no findings: one line saying how findings get judged", async () => {
    expect(await cli("profiles")).toEqual({ code: 0, stdout: NONE, stderr: "" });
    expect(JSON.parse((await cli("profiles", "--json")).stdout)).toEqual({ profiles: [], findings: {} });
  });

  test("with open findings only: the line, then findings by state", async () => {
    await seed(db, [[posted("acme/api", "f1", "reviewer", "gpt-a", "review", "ts"), null]]);
    expect((await cli("profiles")).stdout).toBe(
      `${NONE}\nFindings by state:\nacme/api  open 1 · useful 0 · wrong 0 · addressed 0 · dismissed 0\n`,
    );
  });

  test("prints one row per repository and profile, sorted, and findings by state per repository", async () => {
    await seed(db);
    expect(await cli("profiles")).toEqual({ code: 0, stdout: TABLE, stderr: "" });
  });

  test("--json: every profile with its repository and curve, findings by state, keys in a fixed order", async () => {
    await seed(db);
    const r = await cli("profiles", "--json");
    expect(r.code).toBe(0);
    const expertise = { apiA: 4.5 / 7.75, apiB: 0.0625 / 3.0625 };
    const expected = {
      profiles: [
        {
          repo: "acme/api",
          persona: "reviewer",
          model: "gpt-a",
          stepKind: "review",
          taskType: "ts",
          judged: 4,
          right: 2,
          wrong: 2,
          precision: 0.5,
          expertise: expertise.apiA,
          confidence: 0.2,
          health: 1,
          score: score(1, expertise.apiA, 0.2),
          curve: curve({ 0: [2, 0.5], 7: [1, 1], 14: [1, 0] }),
        },
        {
          repo: "acme/api",
          persona: "reviewer",
          model: "gpt-b",
          stepKind: "review",
          taskType: "ts",
          judged: 2,
          right: 1,
          wrong: 1,
          precision: 0.5,
          expertise: expertise.apiB,
          confidence: 0.1,
          health: 1,
          score: score(1, expertise.apiB, 0.1),
          curve: curve({ 0: [1, 0], 28: [1, 1] }),
        },
        {
          repo: "acme/app",
          persona: "reviewer",
          model: "gpt-a",
          stepKind: "review",
          taskType: "docs",
          judged: 1,
          right: 0,
          wrong: 1,
          precision: 0,
          expertise: 0,
          confidence: 0.05,
          health: 1,
          score: score(1, 0, 0.05),
          curve: curve({ 14: [1, 0] }),
        },
        {
          repo: "acme/app",
          persona: "security",
          model: "gpt-a",
          stepKind: "security",
          taskType: "py",
          judged: 1,
          right: 1,
          wrong: 0,
          precision: 1,
          expertise: 1,
          confidence: 0.05,
          health: 1,
          score: score(1, 1, 0.05),
          curve: curve({ 7: [1, 1] }),
        },
      ],
      findings: {
        "acme/api": { open: 1, useful: 2, wrong: 3, addressed: 1, dismissed: 0 },
        "acme/app": { open: 0, useful: 1, wrong: 0, addressed: 0, dismissed: 1 },
      },
    };
    // The exact text: the same values, in this key order, two-space indented.
    expect(r.stdout).toBe(`${JSON.stringify(expected, null, 2)}\n`);
    expect(expected.profiles[0]?.score).toBeCloseTo(0.6303, 4);
    expect(expected.profiles[1]?.expertise).toBeCloseTo(0.0204, 4);
    // Nothing from the findings themselves: no titles, files or fingerprints.
    expect(r.stdout).not.toMatch(/Title|src\/a\.ts|"f1"/);
  });

  test("--repo keeps one repository; an unknown one has nothing judged; a malformed one is a usage error", async () => {
    await seed(db);
    const app = await cli("profiles", "--repo", "acme/app");
    const lines = TABLE.split("\n");
    expect(app.stdout).toBe(
      `${[lines[0], lines[3], lines[4]].join("\n")}\n\nFindings by state:\n${lines.at(-2)}\n`,
    );
    const json = JSON.parse((await cli("profiles", "--repo", "acme/app", "--json")).stdout);
    expect(json.profiles.map((p: { repo: string; persona: string }) => `${p.repo} ${p.persona}`)).toEqual([
      "acme/app reviewer",
      "acme/app security",
    ]);
    expect(Object.keys(json.findings)).toEqual(["acme/app"]);

    expect((await cli("profiles", "--repo", "acme/nothing")).stdout).toBe(
      NONE.replace("No judged findings yet", "No judged findings in acme/nothing yet"),
    );
    expect(await cli("profiles", "--repo", "acme")).toEqual({
      code: 2,
      stdout: "",
      stderr: 'phasegate: --repo takes owner/name, not "acme"\n',
    });
  });
});
