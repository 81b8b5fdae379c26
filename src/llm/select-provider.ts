import type { AgentProvider } from "../engine/ports.js";
import { HeuristicProvider } from "./heuristic-provider.js";
import { OpenAIProvider } from "./openai-provider.js";

/** The variables read: a parsed environment, or `process.env` as it is. */
export type ProviderEnv =
  | { readonly OPENAI_API_KEY?: string | undefined; readonly OPENAI_BASE_URL?: string | undefined }
  | Readonly<Record<string, string | undefined>>;

/**
 * The provider the operator's environment asks for: `OpenAIProvider` when `OPENAI_API_KEY` is set (at
 * `OPENAI_BASE_URL` if given), else the `HeuristicProvider`. Repositories never choose this.
 *
 * @example selectProvider(process.env).label // → "heuristic (no model configured)" without a key
 */
export function selectProvider(env: ProviderEnv): AgentProvider {
  const apiKey = env.OPENAI_API_KEY?.trim();
  if (!apiKey) return new HeuristicProvider();
  const baseURL = env.OPENAI_BASE_URL?.trim();
  return new OpenAIProvider({ apiKey, ...(baseURL && { baseURL }) });
}
