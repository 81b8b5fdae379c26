import type { RunState } from "../../core/run/run-state.js";
import type { SlashCommand } from "../../core/webhooks/slash-command.js";
import type { JobRepo } from "../../core/webhooks/webhook-job.js";
import type { AppServices } from "../services.js";

/** Who gave a command, where and how: a comment's or a button's. */
export interface CommandContext {
  readonly s: AppServices;
  readonly repo: JobRepo;
  /** The PR or issue replies go to. */
  readonly number: number;
  readonly isPullRequest: boolean;
  readonly actor: string;
  /** Epoch ms the command was given (the comment's creation, the click's arrival). */
  readonly at: number;
  readonly via: "comment" | "button";
  readonly prefix: string;
  /** The runs the command may act on, newest first, read fresh for each command. */
  readonly runs: () => Promise<RunState[]>;
}

/** The command as a user would type it, for replies: `` `/agents skip lint` ``. */
export function commandText(prefix: string, c: SlashCommand): string {
  const words: string[] = [prefix];
  switch (c.type) {
    case "run":
      words.push("run", c.target ?? "");
      break;
    case "retry":
    case "approve":
      words.push(c.type, c.step ?? "");
      break;
    case "reject":
      words.push("reject", c.step ?? "");
      break;
    case "skip":
      words.push("skip", c.step);
      break;
    case "reinstate":
      words.push("reinstate", c.agent);
      break;
    case "unknown":
      words.push(c.word);
      break;
    case "invalid":
      words.push(c.command);
      break;
    default:
      words.push(c.type);
  }
  return `\`${words.filter(Boolean).join(" ")}\``;
}
