import type { ApplicationFunction, ApplicationFunctionOptions, Probot } from "probot";
import { loadBuiltinTemplates } from "../builtin-templates.js";
import type { PaceLimits } from "../core/pacing/pace-limits.js";
import { stepPlan } from "../core/run/plan-index.js";
import { warmSecretScan } from "../core/secrets/secret-scan.js";
import { githubWebBase } from "../dashboard/github-links.js";
import { dashboardHandler, dashboardRunUrl } from "../dashboard/handler.js";
import { FindingStore } from "../db/finding-store.js";
import { GitHubStore } from "../db/github-store.js";
import { GovernanceStore } from "../db/governance-store.js";
import { namedLocks } from "../db/named-locks.js";
import { openAgentCache } from "../db/open-agent-cache.js";
import { openRunStore } from "../db/open-run-store.js";
import { PostgresPaceStore } from "../db/postgres-pace-store.js";
import { Engine } from "../engine/engine.js";
import { type ChildableLogger, contextLogger } from "../engine/log-context.js";
import type { AgentProvider } from "../engine/ports.js";
import { type Env, readEnv } from "../env.js";
import type { BackoffOptions } from "../github/classify-failure.js";
import type { Clock } from "../github/clock.js";
import { installationClients } from "../github/installation-clients.js";
import { probotInstallationOctokit } from "../github/probot-installation-octokit.js";
import { circuitStates } from "../llm/circuit-breaker.js";
import { selectProvider } from "../llm/select-provider.js";
import { warmTokenizer } from "../llm/tokenizer.js";
import { operationsHandler } from "../ops/handler.js";
import { firstHandler, type HttpHandler } from "../ops/http-handler.js";
import { meteredProvider } from "../ops/metered-provider.js";
import { createMetrics } from "../ops/metrics.js";
import { Background } from "./background.js";
import { deploymentsOnChange } from "./deploy/on-change.js";
import { githubExecutors } from "./executors/index.js";
import { gatesOnChange } from "./gates/on-change.js";
import { handleJob } from "./jobs/index.js";
import { registerIntake } from "./jobs/intake.js";
import { JobQueue } from "./jobs/job-queue.js";
import { Reporter } from "./report/reporter.js";
import { RunChanges } from "./run-changes.js";
import type { AppServices, AppTuning, Octokit } from "./services.js";

/** Options of `createApp`; production uses none (everything from the environment). Tests shorten the waits. */
export interface AppOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => number;
  readonly clock?: Clock;
  readonly paceLimits?: Partial<PaceLimits>;
  readonly backoff?: Partial<BackoffOptions>;
  readonly maxRateLimitWaitMs?: number;
  readonly tuning?: Partial<AppTuning>;
  readonly provider?: AgentProvider;
  readonly workerId?: string;
  readonly leaseMs?: number;
  readonly pollMs?: number;
  /** How long this process's claim on a webhook job holds without renewal (default 30 s). */
  readonly jobLeaseMs?: number;
  /** How often to look for webhook jobs a dead replica left (default 10 s; 0 = only at start). */
  readonly jobPollMs?: number;
  /**
   * Show runs on GitHub (check runs, reviews, status comments); default true. Tests of one path (commands,
   * gates, deploys) may turn it off to assert only that path's requests; end-to-end tests keep it on.
   */
  readonly reporting?: boolean;
  /** Called once the app is wired, with its services (tests wait on `background` and read the stores). */
  readonly onReady?: (services: AppServices, stop: () => Promise<void>, http: HttpHandler) => void;
}

const DEFAULT_TUNING: AppTuning = {
  checkRunIntervalMs: 1000,
  permissionCacheMs: 60_000,
  reportRetryMs: 30_000,
};

async function appIdOf(app: Probot, env: NodeJS.ProcessEnv): Promise<number> {
  const auth = (await (await app.auth()).auth({ type: "app" })) as { appId?: number };
  const id = auth.appId ?? Number(env.APP_ID);
  if (!Number.isInteger(id)) throw new Error("APP_ID is not set: phasegate cannot tell its own check runs");
  return id;
}

/**
 * The Probot app: opens the database (migrating it), starts the run engine (which resumes unfinished runs),
 * finishes webhook jobs an earlier process acknowledged, and answers webhooks by recording and enqueueing them.
 */
export function createApp(options: AppOptions = {}): ApplicationFunction {
  return async (app: Probot, appOptions?: ApplicationFunctionOptions) => {
    const rawEnv = options.env ?? process.env;
    const env: Env = readEnv(rawEnv);
    const now = options.now ?? Date.now;
    const store = await openRunStore(env.DATABASE_URL);
    const agentCache = await openAgentCache(env.DATABASE_URL);
    const github = new GitHubStore(store.database);
    const locks = await namedLocks(env.DATABASE_URL, {
      onLost: (name, err) =>
        app.log.error({ err, lock: name }, "a lock's database connection broke while held"),
    });
    const metrics = createMetrics(store.database, { circuits: circuitStates });
    const provider = meteredProvider(options.provider ?? selectProvider(env), metrics);
    // Lines logged inside a webhook job or a step carry its delivery, run and step ids (src/ops/log-context.ts).
    const log = contextLogger(app.log as ChildableLogger);
    const clients = installationClients({
      authenticate: probotInstallationOctokit(app, contextLogger),
      ...(options.paceLimits ? { limits: options.paceLimits } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.maxRateLimitWaitMs !== undefined ? { maxWaitMs: options.maxRateLimitWaitMs } : {}),
      // Replicas on one Postgres reserve each installation's writes from one schedule (src/db/postgres-pace-store.ts).
      ...(store.database.dialect === "postgres"
        ? { sharedSchedule: new PostgresPaceStore(store.database) }
        : {}),
      onWait: (wait) => {
        metrics.githubWait(wait.installationId, wait.waitMs);
        log.warn({ ...wait }, "GitHub rate limit: waiting");
      },
      onResponse: (installationId, status) => metrics.githubResponse(installationId, status),
    });
    const background = new Background();
    const reporterRef: { current: Reporter | null } = { current: null };
    const services: AppServices = {
      appId: await appIdOf(app, rawEnv),
      env,
      store,
      github,
      findings: new FindingStore(store.database),
      governance: new GovernanceStore(store.database),
      provider,
      agentCache: agentCache.cache,
      templates: loadBuiltinTemplates(),
      octokit: (id) => clients.forInstallation(id) as Promise<Octokit>,
      octokitFor: (run) => {
        const id = run.facts.github?.installationId;
        if (id === undefined) throw new Error(`run ${run.id} was not started from GitHub`);
        return clients.forInstallation(id) as Promise<Octokit>;
      },
      log,
      now,
      background,
      tuning: { ...DEFAULT_TUNING, ...options.tuning },
      dashboardUrl: (runId) => dashboardRunUrl(env, runId),
      reportNow: async (run) => reporterRef.current?.reportNow(run),
      engine: undefined as unknown as Engine,
      changes: new RunChanges(),
      locks,
    };
    const engine = new Engine({
      store,
      log,
      now,
      ...(options.workerId ? { workerId: options.workerId } : {}),
      ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
      executorFor: githubExecutors(services),
      onStepFinished: (run, stepId) => {
        const step = run.steps.get(stepId);
        if (step?.startedAt == null || step.finishedAt == null) return;
        metrics.stepFinished(stepPlan(run.plan, stepId).kind, (step.finishedAt - step.startedAt) / 1000);
      },
      onLeaseExpired: () => metrics.leaseExpired(),
      onChange: (run, commands) => {
        services.changes.changed(run.id);
        if (!run.facts.github) return;
        reporterRef.current?.onChange(run, commands);
        gatesOnChange(services, run, commands);
        deploymentsOnChange(services, run, commands);
      },
    });
    (services as { engine: Engine }).engine = engine;
    if (options.reporting !== false) reporterRef.current = new Reporter(services);

    const httpHandlers: HttpHandler[] = [];
    if (env.DASHBOARD_TOKEN) {
      httpHandlers.push(
        dashboardHandler({
          endpoints: circuitStates,
          token: env.DASHBOARD_TOKEN,
          store,
          db: store.database,
          github,
          findings: services.findings,
          changes: services.changes,
          log,
          webBase: githubWebBase(rawEnv),
          now,
        }),
      );
    }
    httpHandlers.push(operationsHandler({ db: store.database, metrics }));
    const queue = new JobQueue(services, handleJob, {
      ...(options.jobLeaseMs ? { leaseMs: options.jobLeaseMs } : {}),
      ...(options.jobPollMs !== undefined ? { pollMs: options.jobPollMs } : {}),
    });
    registerIntake(app, services, queue);
    engine.start();
    if (provider.meter) warmTokenizer();
    // The secret scan's rules compile once (~0.1 s): now, not on the first review's path.
    warmSecretScan();
    // Reports held back by coalescing or cut off by a crash are sent now, not at the run's next change.
    await reporterRef.current?.resume().catch((err) => log.error({ err }, "resuming reports failed"));
    const resumed = await queue.resume();
    log.info(
      { database: env.DATABASE_URL.split(":")[0], provider: provider.label, resumedJobs: resumed },
      "phasegate ready",
    );

    let stopping: Promise<void> | null = null;
    // A SIGTERM listener replaces Node's default exit: stop cleanly, then exit as the signal asked.
    const onTerm = () => void stop().finally(() => process.exit(0));
    const stop = () =>
      (stopping ??= (async () => {
        process.off("SIGTERM", onTerm);
        queue.stop();
        await engine.stop();
        reporterRef.current?.stop();
        await background.idle();
        await Promise.all([store.close(), agentCache.close(), locks.close()]);
      })());
    process.once("SIGTERM", onTerm);
    // Probot's server answers these routes after its own (webhooks); `probot.load` without a server has none.
    const http = firstHandler(httpHandlers);
    try {
      appOptions?.addHandler(http);
    } catch (err) {
      if (!(err instanceof Error && err.message === "No server instance")) throw err;
    }
    options.onReady?.(services, stop, http);
  };
}
