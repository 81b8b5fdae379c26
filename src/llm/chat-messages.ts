import type { AgentRequest } from "../engine/ports.js";
import { agentUserMessage, findingsUserMessage, systemPrompt } from "./prompts.js";

/** A chat message as sent; only these two roles start a conversation. */
export interface ChatMessage {
  readonly role: "system" | "user";
  readonly content: string;
}

/**
 * The messages of one call for `request`: the system prompt (the kind's role, the untrusted-data rule and the
 * persona's instructions) first, identical on every call of a step, so providers that cache prompt prefixes
 * (OpenAI does from 1,024 tokens) charge it once; then the task and the fenced, untrusted material.
 */
export function chatMessages(request: AgentRequest): ChatMessage[] {
  return [
    { role: "system", content: systemPrompt(request.kind, request.instructions) },
    {
      role: "user",
      content:
        request.kind === "agent"
          ? agentUserMessage(request, request.files)
          : findingsUserMessage(request, request.files),
    },
  ];
}
