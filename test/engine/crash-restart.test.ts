import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { createTestDatabase, DATABASE_KINDS } from "../db/databases.js";
import { bundleScript, spawnScript } from "../helpers/node-script.js";

const LATENCY_MS = 400;

function logLines(path: string): string[] {
  try {
    return readFileSync(path, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

async function waitForLines(
  path: string,
  pred: (lines: string[]) => boolean,
  timeoutMs = 20_000,
): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const lines = logLines(path);
    if (pred(lines)) return lines;
    if (Date.now() > until) throw new Error(`log never matched: ${lines.join(" | ")}`);
    await sleep(10);
  }
}

describe.each(DATABASE_KINDS)("a run whose process is killed (%s)", (kind) => {
  test("finishes after a restart with every step run to completion exactly once", async () => {
    const t = await createTestDatabase(kind);
    const dir = mkdtempSync(join(tmpdir(), "phasegate-crash-"));
    const log = join(dir, "steps.log");
    const script = await bundleScript(new URL("./crash-child.ts", import.meta.url));
    const env = { DB_URL: t.url, RUN_ID: "crash-run", LOG: log, LATENCY_MS: String(LATENCY_MS) };
    try {
      // 1. The first process runs layer 0, then is killed halfway through layer 1 (no step ends near the kill).
      const first = spawnScript(script, { ...env, MODE: "create" });
      await waitForLines(log, (l) => l.filter((x) => x.startsWith("start l1-")).length === 3);
      await sleep(LATENCY_MS / 2);
      first.kill("SIGKILL");
      await new Promise((resolve) => first.once("exit", resolve));
      const beforeKill = logLines(log);
      expect(beforeKill.filter((l) => l.startsWith("done ")).map((l) => l.split(" ")[1])).toEqual(
        expect.arrayContaining(["l0-0", "l0-1", "l0-2"]),
      );
      expect(beforeKill.filter((l) => l.startsWith("done l1-"))).toEqual([]);

      // 2. A new process resumes: it takes over the expired leases of layer 1 and finishes the run.
      const second = spawnScript(script, { ...env, MODE: "resume" });
      expect(await second.waitFor(/^finished /)).toBe("finished succeeded");
      await new Promise((resolve) => second.once("exit", resolve));

      // 3. Every step completed exactly once; finished steps were never started again.
      const lines = logLines(log);
      const steps = ["l0-0", "l0-1", "l0-2", "l1-0", "l1-1", "l1-2", "l2-0", "l2-1", "l2-2"];
      for (const id of steps) {
        expect(
          lines.filter((l) => l.startsWith(`done ${id} `)),
          id,
        ).toHaveLength(1);
      }
      for (const id of ["l0-0", "l0-1", "l0-2"]) {
        expect(
          lines.filter((l) => l.startsWith(`start ${id} `)),
          id,
        ).toHaveLength(1);
      }
      for (const id of ["l1-0", "l1-1", "l1-2"]) {
        // Started by the killed process, then once more by the new one.
        expect(lines.filter((l) => l.startsWith(`start ${id} `)).map((l) => l.split(" ")[2])).toEqual([
          String(first.pid),
          String(second.pid),
        ]);
      }
      const stored = await t.store.loadRun("crash-run");
      expect(stored?.status).toBe("succeeded");
      expect((stored?.steps.values() ?? []).map((s) => s.status)).toEqual(Array(9).fill("succeeded"));
      expect(stored?.steps.get("l1-0")?.attempts).toBe(2);
      expect(stored?.steps.get("l1-0")?.error).toMatch(/lease expired/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await t.cleanup();
    }
  });
});
