import { main } from "../../src/cli/main.js";

/** Runs the CLI in `cwd` with no model key and no DATABASE_URL, capturing its output. */
export async function runCli(cwd: string, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const env = { ...process.env };
  delete env.OPENAI_API_KEY;
  delete env.DATABASE_URL;
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
