import type { AgentProvider } from "../engine/ports.js";
import type { Metrics } from "./metrics.js";

/**
 * `provider` unchanged, but every model call its replies report (`AgentReply.calls`, verification replies too)
 * is counted: calls, prompt and completion tokens, latency. A provider that makes no calls (the heuristic one) counts nothing.
 */
export function meteredProvider(provider: AgentProvider, metrics: Pick<Metrics, "llmCall">): AgentProvider {
  const metered: AgentProvider = {
    label: provider.label,
    run: async (request) => {
      const reply = await provider.run(request);
      for (const call of reply.calls ?? []) metrics.llmCall(provider.label, call);
      return reply;
    },
  };
  const verify = provider.verify?.bind(provider);
  const meter = provider.meter?.bind(provider);
  return {
    ...metered,
    ...(meter && { meter }),
    // Verification calls are model calls too: counted the same way.
    ...(verify && {
      verify: async (request: Parameters<typeof verify>[0]) => {
        const reply = await verify(request);
        for (const call of reply.calls) metrics.llmCall(provider.label, call);
        return reply;
      },
    }),
  };
}
