import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { evalCommand } from "./commands/eval.js";
import { graphCommand } from "./commands/graph.js";
import { profilesCommand } from "./commands/profiles.js";
import { runCommand } from "./commands/run.js";
import { statusCommand } from "./commands/status.js";
import { validateCommand } from "./commands/validate.js";
import { UsageError } from "./load-workflow.js";
import type { Io } from "./output.js";

const EXAMPLES = `
Exit codes: 0 ok, 1 invalid workflow file, a failing run or an eval below its thresholds, 2 usage error.

Examples:
  $ phasegate validate
  $ phasegate run --workflow code-review --base main
  $ phasegate run --json > result.json
  $ phasegate status
  $ phasegate graph --workflow delivery
  $ phasegate eval .agents/evals --min-precision 0.8 --min-recall 0.5`;

/** Builds the `phasegate` program; every action resolves to an exit code. */
function program(io: Io, setCode: (code: number) => void): Command {
  const cli = new Command("phasegate")
    .description(
      "Run and check .agents/workflow.yaml locally: validate it, run its agent steps on your diff, draw it.",
    )
    .addHelpText("after", EXAMPLES)
    .showHelpAfterError("(run phasegate --help for usage)")
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) =>
      setCode(await fn(...args));

  cli
    .command("validate")
    .description("check a workflow file; print every error as file:line:col")
    .argument("[file]", "workflow file", ".agents/workflow.yaml")
    .action(act((file: string) => validateCommand(file, io)));

  cli
    .command("run")
    .description(
      "run a workflow's agent steps on the local git diff; gates, merge and deploy say what they would do",
    )
    .option(
      "-w, --workflow <id>",
      "a workflow of the file, or a built-in template (code-review, security-audit, feature, plan)",
    )
    .option(
      "-b, --base <ref>",
      "compare against this branch or commit (default: the remote's default branch, else main)",
    )
    .option("-f, --file <path>", "workflow file (default: .agents/workflow.yaml at the repository root)")
    .option("--json", "print the whole result, every finding with file, line and severity, as JSON on stdout")
    .action(
      act((opts: { workflow?: string; base?: string; file?: string; json?: boolean }) =>
        runCommand(opts, io),
      ),
    );

  cli
    .command("status")
    .description("list recent runs, or show one run's steps")
    .argument("[run]", "a run id (a unique prefix is enough)")
    .action(act((run: string | undefined) => statusCommand(run, io)));

  cli
    .command("graph")
    .description("print a workflow's phases and steps as a Mermaid flowchart")
    .option("-w, --workflow <id>", "a workflow of the file, or a built-in template")
    .option("-f, --file <path>", "workflow file", ".agents/workflow.yaml")
    .action(act((opts: { workflow?: string; file?: string }) => graphCommand(opts, io)));

  cli
    .command("eval")
    .description(
      "run the workflow's agent steps over labelled cases; print precision, recall, F1, tokens and latency per step and model",
    )
    .argument("[dir]", "a folder of cases, each a folder with change.diff and expected.yaml", ".agents/evals")
    .option(
      "-w, --workflow <id>",
      "a workflow of the file, or a built-in template (code-review, security-audit, feature, plan)",
    )
    .option("-f, --file <path>", "workflow file (default: .agents/workflow.yaml)")
    .option(
      "--min-precision <ratio>",
      "exit 1 when the workflow's precision over all cases is below this (0-1)",
    )
    .option("--min-recall <ratio>", "exit 1 when the workflow's recall over all cases is below this (0-1)")
    .option("--json", "print the rows and every case's matches, misses and false positives as JSON on stdout")
    .action(
      act(
        (
          dir: string,
          opts: {
            workflow?: string;
            file?: string;
            json?: boolean;
            minPrecision?: string;
            minRecall?: string;
          },
        ) => evalCommand(dir, opts, io),
      ),
    );

  cli
    .command("profiles")
    .description("print each agent's learning profile per repository, from judged findings")
    .option("--repo <owner/name>", "only this repository")
    .option("--json", "print profiles and findings by state as JSON")
    .action(act((opts: { repo?: string; json?: boolean }) => profilesCommand(opts, io)));
  return cli;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let code = 0;
  try {
    await program(io, (c) => (code = c)).parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other commander complaint is a usage error.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      io.err(`phasegate: ${err.message}\n`);
      return 2;
    }
    io.err(`phasegate: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

const invoked = process.argv[1] && realpathSync(process.argv[1]);
if (invoked && (invoked === fileURLToPath(import.meta.url) || invoked.endsWith("/bin/phasegate.js"))) {
  const io: Io = {
    cwd: process.cwd(),
    env: process.env,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  };
  main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
