import { type ChildProcessByStdio, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const bundles = new Map<string, Promise<string>>();

/** Bundles a TypeScript entry (and the src/ code it imports) into one ESM script; packages stay imports. */
export function bundleScript(entry: URL): Promise<string> {
  const path = fileURLToPath(entry);
  let bundle = bundles.get(path);
  if (!bundle) {
    bundle = build({
      entryPoints: [path],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      write: false,
    }).then((r) => r.outputFiles[0]!.text);
    bundles.set(path, bundle);
  }
  return bundle;
}

export type ScriptProcess = ChildProcessByStdio<null, Readable, Readable> & {
  /** Everything printed so far. */
  readonly output: () => { stdout: string; stderr: string };
  /** Resolves with the first stdout line matching `pattern`; rejects if the process exits first. */
  readonly waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
};

/** Where scripts too long for a command line are written: inside the repository, so packages resolve from it. */
const SCRIPT_DIR = join(ROOT, "node_modules", ".cache", "phasegate-test-scripts");
/** Linux caps one command-line argument at 128 KiB; a bundle of the whole app is larger. */
const MAX_INLINE_SCRIPT = 100_000;

function scriptArgs(script: string): string[] {
  if (script.length <= MAX_INLINE_SCRIPT) return ["--input-type=module", "-e", script];
  mkdirSync(SCRIPT_DIR, { recursive: true });
  const file = join(SCRIPT_DIR, `${createHash("sha1").update(script).digest("hex")}.mjs`);
  writeFileSync(file, script);
  return [file];
}

/** Runs a bundled script as a real Node process, from the repository root so packages resolve. */
export function spawnScript(script: string, env: Record<string, string>): ScriptProcess {
  const child = spawn(process.execPath, scriptArgs(script), {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  child.stdout.on("data", (d: Buffer) => {
    stdout += d;
    for (const l of listeners) l();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d;
  });
  const waitFor = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = stdout.split("\n").find((l) => pattern.test(l));
        if (line !== undefined) done(() => resolve(line));
      };
      const onExit = (code: number | null, signal: string | null) =>
        done(() =>
          reject(new Error(`process exited (${code ?? signal}) before ${pattern}: ${stderr.trim()}`)),
        );
      const timer = setTimeout(
        () => done(() => reject(new Error(`timed out waiting for ${pattern}: ${stderr}`))),
        timeoutMs,
      );
      const done = (finish: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        child.off("exit", onExit);
        finish();
      };
      listeners.add(check);
      child.on("exit", onExit);
      check();
    });
  return Object.assign(child, { output: () => ({ stdout, stderr }), waitFor });
}
