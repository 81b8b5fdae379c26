import type { Probot } from "probot";
import { openAgentCache } from "./db/open-agent-cache.js";
import { openRunStore } from "./db/open-run-store.js";
import { Engine } from "./engine/engine.js";
import { agentExecutor } from "./engine/executors/agent-executor.js";
import type { StepExecutor } from "./engine/ports.js";
import { readEnv } from "./env.js";
import { selectProvider } from "./llm/select-provider.js";

/**
 * The Probot app: wiring only. Opens the database (running migrations), starts the run engine, which resumes
 * every unfinished run, and stops it on shutdown.
 */
export default async (app: Probot): Promise<void> => {
  const env = readEnv();
  const store = await openRunStore(env.DATABASE_URL);
  const agentCache = await openAgentCache(env.DATABASE_URL);
  const provider = selectProvider(env);
  const agent = agentExecutor({
    provider,
    cache: agentCache.cache,
    allowedModels: env.PHASEGATE_ALLOWED_MODELS,
    // Pull-request inputs come from GitHub once the event handlers are wired; until then agent steps fail closed.
    inputs: async () => {
      throw new Error("no GitHub inputs for this run");
    },
  });
  const failClosed: StepExecutor = async ({ step }) => ({
    outcome: "failed",
    retryable: false,
    error: `no GitHub executor for ${step.kind} steps in this version`,
  });
  const engine = new Engine({
    store,
    log: app.log,
    executorFor: (run, stepId) => (run.plan.steps.find((s) => s.id === stepId)?.isAgent ? agent : failClosed),
  });
  engine.start();
  app.log.info({ database: env.DATABASE_URL.split(":")[0], provider: provider.label }, "phasegate ready");
  process.once(
    "SIGTERM",
    () => void engine.stop().then(() => Promise.all([store.close(), agentCache.close()])),
  );
};
