import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { bundleScript } from "../helpers/node-script.js";
import type { ChildTask } from "./child-store.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** child-store.ts and the src/db code it imports as one ESM script; packages stay imports from node_modules. */
const childScript = () => bundleScript(new URL("./child-store.ts", import.meta.url));

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

/** Resolves when the child has printed `line`s lines; rejects with its stderr if it exits first. */
function output(child: Child, task: ChildTask): { lines: (n: number) => Promise<string[]> } {
  let out = "";
  let err = "";
  const waiters: (() => void)[] = [];
  child.stdout.on("data", (d: Buffer) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.on("data", (d: Buffer) => {
    err += d;
  });
  const exited = new Promise<never>((_, reject) => {
    child.on("error", reject);
    child.on("close", (code) => reject(new Error(`child (${task.task}) exited with ${code}: ${err.trim()}`)));
  });
  exited.catch(() => {});
  const lines = async (n: number): Promise<string[]> => {
    for (;;) {
      const all = out.split("\n").filter(Boolean);
      if (all.length >= n) return all;
      await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), exited]);
    }
  };
  return { lines };
}

/**
 * Runs each task in its own Node process — real other processes with their own connections and caches, which
 * in-process tests cannot imitate on SQLite — together with `alongside` in this one. All start at the same
 * moment: each child connects, reports ready, and waits for the signal. Resolves with the children's results.
 */
export async function runTogether<T>(
  tasks: readonly ChildTask[],
  alongside: () => Promise<void>,
): Promise<T[]> {
  const script = await childScript();
  const children = tasks.map((task) => {
    // `-e` resolves bare imports (kysely, pg, better-sqlite3) from the working directory: the repository.
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: ROOT,
      env: { ...process.env, PHASEGATE_CHILD: JSON.stringify(task) },
      stdio: ["pipe", "pipe", "pipe"],
    });
    return { child, out: output(child, task) };
  });
  try {
    await Promise.all(children.map((c) => c.out.lines(1)));
    for (const c of children) c.child.stdin.write("go\n");
    const [results] = await Promise.all([
      Promise.all(children.map(async (c) => JSON.parse((await c.out.lines(2))[1]!) as T)),
      alongside(),
    ]);
    return results;
  } finally {
    for (const c of children) if (c.child.exitCode === null) c.child.kill();
  }
}
