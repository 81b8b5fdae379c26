import { stripHiddenChars } from "../diff/hidden-text.js";
import { plainLines } from "../present/markdown-lines.js";

/**
 * One command of a comment. `step`/`target` are null when not given; `reason` is the rest of the line.
 * `unknown` and `invalid` are answered with a short reply and the help text.
 */
export type SlashCommand =
  | { readonly type: "run"; readonly target: string | null }
  | { readonly type: "retry"; readonly step: string | null }
  | { readonly type: "approve"; readonly step: string | null }
  | { readonly type: "reject"; readonly step: string | null; readonly reason: string | null }
  | { readonly type: "skip"; readonly step: string; readonly reason: string | null }
  | { readonly type: "cancel"; readonly reason: string | null }
  | { readonly type: "status" }
  | { readonly type: "help" }
  /** Replies to the app's inline comments: judge that finding. */
  | { readonly type: "useful" }
  | { readonly type: "wrong"; readonly reason: string | null }
  /** End an agent's error-budget suspension early. */
  | { readonly type: "reinstate"; readonly agent: string }
  /** Forget what judgements taught the repository's profiles (one persona, or all). */
  | { readonly type: "reset-learning"; readonly agent: string | null }
  | { readonly type: "unknown"; readonly word: string; readonly line: string }
  | { readonly type: "invalid"; readonly command: string; readonly problem: string };

/** Who may give a command: write+, admin or maintain, whoever the gate's `from` allows, or anyone. */
export type CommandPermission = "write" | "admin-or-maintain" | "gate" | "anyone";

const ID = /^[a-z0-9][a-z0-9_-]*$/;

const badId = (command: string, word: string, what: string): SlashCommand => ({
  type: "invalid",
  command,
  problem: `\`${word.replace(/`/g, "'").slice(0, 60)}\` is not ${/^[aeiou]/.test(what) ? "an" : "a"} ${what} id ([a-z0-9][a-z0-9_-]*)`,
});

/** The optional id of `run`, `retry`, `approve`: none or one valid id, nothing after it. */
function optionalId(command: string, args: readonly string[], what: string): string | null | SlashCommand {
  if (args.length > 1) return { type: "invalid", command, problem: `takes at most one ${what} id` };
  const [id] = args;
  if (id === undefined) return null;
  return ID.test(id) ? id : badId(command, id, what);
}

function parseWords(
  word: string,
  args: readonly string[],
  rest: (from: number) => string | null,
): SlashCommand {
  switch (word) {
    case "run": {
      const target = optionalId(word, args, "workflow or template");
      return typeof target === "object" && target !== null ? target : { type: "run", target };
    }
    case "retry":
    case "approve": {
      const step = optionalId(word, args, "step");
      return typeof step === "object" && step !== null ? step : { type: word, step };
    }
    case "reject": {
      // The first word names the step when it looks like an id; everything after it is the reason.
      const first = args[0];
      if (first !== undefined && ID.test(first)) return { type: "reject", step: first, reason: rest(1) };
      return { type: "reject", step: null, reason: rest(0) };
    }
    case "skip": {
      const step = args[0];
      if (step === undefined) return { type: "invalid", command: word, problem: "needs a step id" };
      if (!ID.test(step)) return badId(word, step, "step");
      return { type: "skip", step, reason: rest(1) };
    }
    case "cancel":
      return { type: "cancel", reason: rest(0) };
    case "useful":
      return args.length > 0
        ? { type: "invalid", command: word, problem: "takes no arguments (to say why, use `wrong [reason]`)" }
        : { type: "useful" };
    case "wrong":
      return { type: "wrong", reason: rest(0) };
    case "reinstate": {
      const agent = args[0];
      if (agent === undefined) return { type: "invalid", command: word, problem: "needs an agent id" };
      if (args.length > 1) return { type: "invalid", command: word, problem: "takes one agent id" };
      if (!ID.test(agent)) return badId(word, agent, "agent");
      return { type: "reinstate", agent };
    }
    case "reset-learning": {
      const agent = optionalId(word, args, "agent");
      return typeof agent === "object" && agent !== null ? agent : { type: "reset-learning", agent };
    }
    case "status":
    case "help":
      return args.length > 0
        ? { type: "invalid", command: word, problem: "takes no arguments" }
        : { type: word };
    default:
      return { type: "unknown", word, line: "" };
  }
}

function parseLine(line: string, prefix: string): SlashCommand | null {
  const text = line.trim();
  if (!text.startsWith(prefix)) return null;
  const after = text.slice(prefix.length);
  if (after !== "" && !/^\s/.test(after)) return null;
  const words = after.trim().split(/\s+/).filter(Boolean);
  const [first = "", ...args] = words;
  // The rest of the line after `n` arguments, as written (inner spacing kept); null when empty.
  const rest = (n: number): string | null => {
    let tail = after.trim().slice(first.length);
    for (let i = 0; i < n; i++) tail = tail.trimStart().slice(args[i]?.length ?? 0);
    return tail.trim() || null;
  };
  const command = parseWords(first.toLowerCase(), args, rest);
  return command.type === "unknown" ? { type: "unknown", word: first, line: text } : command;
}

/**
 * Every command in a comment, in order: each line that starts with `prefix` (after optional spaces) followed by
 * a space or the end of the line. Lines in code blocks, block quotes and HTML comments are ignored, so quoting a
 * command never runs it. Command words are case-insensitive; ids are not.
 *
 * @example
 * parseSlashCommands("LGTM\n/agents approve prod-approval\n> /agents cancel")
 * // → [{ type: "approve", step: "prod-approval" }]
 */
export function parseSlashCommands(body: string, prefix = "/agents"): SlashCommand[] {
  const p = prefix.trim();
  if (p === "") throw new Error("empty command prefix");
  const out: SlashCommand[] = [];
  for (const line of plainLines(stripHiddenChars(body).text)) {
    const command = parseLine(line, p);
    if (command) out.push(command);
  }
  return out;
}

/** Who may give `command` (spec "Slash commands"); unknown and invalid commands only earn the help text. */
export function requiredPermission(command: SlashCommand): CommandPermission {
  switch (command.type) {
    case "run":
    case "retry":
    case "cancel":
      return "write";
    case "approve":
    case "reject":
      return "gate";
    case "useful":
    case "wrong":
      return "write";
    case "skip":
    case "reinstate":
    case "reset-learning":
      return "admin-or-maintain";
    default:
      return "anyone";
  }
}

/**
 * The command list as Markdown, for `help` and for replies to unknown or invalid commands.
 *
 * @example commandHelp("/bot") // a table whose first row is "| `/bot run [workflow\|template]` | … | write+ |"
 */
export function commandHelp(prefix = "/agents"): string {
  const p = prefix.trim();
  const rows = [
    [`${p} run [workflow\\|template]`, "start (or restart) a run", "write+"],
    [`${p} retry [step]`, "retry failed steps (or one step)", "write+"],
    [
      `${p} approve [step]`,
      "approve a waiting gate (the only waiting one if no step given)",
      "as the gate's `from`",
    ],
    [`${p} reject [step] [reason]`, "fail a waiting gate", "as the gate's `from`"],
    [`${p} skip <step> [reason]`, "mark a step skipped (audited)", "admin/maintain"],
    [`${p} cancel [reason]`, "cancel the run", "write+"],
    [`${p} status`, "reply with the run's table", "anyone"],
    [`${p} useful`, "as a reply to one of the app's inline findings: it was right", "write+"],
    [`${p} wrong [reason]`, "as a reply to one of the app's inline findings: it was wrong", "write+"],
    [
      `${p} reset-learning [agent]`,
      "forget what judgements taught this repository's profiles",
      "admin/maintain",
    ],
    [`${p} help`, "reply with the command list", "anyone"],
  ];
  return [
    "| command | effect | who |",
    "| --- | --- | --- |",
    ...rows.map(([command, effect, who]) => `| \`${command}\` | ${effect} | ${who} |`),
    "",
    "One command per line; lines in code blocks and quotes are ignored. Gates also need write access and never " +
      "count the PR author, the last pusher or bots.",
  ].join("\n");
}
