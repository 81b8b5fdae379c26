import type { RunCommand } from "../../core/run-event.js";
import type { RunState } from "../../core/run-state.js";
import type { AppServices } from "../services.js";

/**
 * Shows runs on GitHub: check runs per phase and `agents`, PR reviews, `post: comment` outputs. `onChange` is
 * called after every stored change and must return at once: the work happens in `s.background`.
 */
export class Reporter {
  constructor(private readonly s: AppServices) {}

  onChange(_run: RunState, _commands: readonly RunCommand[]): void {
    void this.s;
  }
}
