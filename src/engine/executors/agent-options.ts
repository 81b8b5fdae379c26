import type { RunState } from "../../core/run/run-state.js";
import type { AgentCache, AgentProvider, GovernancePort, LearningPort, ShadowPort } from "../ports.js";
import type { RunResources } from "../run-resources.js";
import type { AgentInputs } from "./prepare-inputs.js";

/** What an agent step reads: the diff and the PR or issue text. Loaded once per run by the caller. */
export interface AgentExecutorOptions {
  readonly provider: AgentProvider;
  readonly inputs: (run: RunState) => Promise<AgentInputs>;
  /** Per-file results of earlier reviews; without one every run pays for every file. */
  readonly cache?: AgentCache | null;
  /** The server's `PHASEGATE_ALLOWED_MODELS`; empty allows any model. */
  readonly allowedModels?: readonly string[];
  /** Shared by every step of a run in this process; one is made when not given. */
  readonly resources?: RunResources;
  /** What humans judged: routes `models`, holds back noise, clears judged findings. None in the CLI. */
  readonly learning?: LearningPort | null;
  /** Error budgets per persona and model; none in the CLI. */
  readonly governance?: GovernancePort | null;
  /** Where shadow runs' findings go; without it shadows do not run. */
  readonly shadows?: ShadowPort | null;
  readonly now?: () => number;
}
