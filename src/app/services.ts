import type { ProbotOctokit } from "probot";
import type { RunState } from "../core/run/run-state.js";
import type { FindingStore } from "../db/finding-store.js";
import type { GitHubStore } from "../db/github-store.js";
import type { GovernanceStore } from "../db/governance-store.js";
import type { KyselyRunStore } from "../db/kysely-run-store.js";
import type { NamedLocks } from "../db/named-locks.js";
import type { Engine } from "../engine/engine.js";
import type { Logger } from "../engine/logger.js";
import type { AgentCache, AgentProvider } from "../engine/ports.js";
import type { Env } from "../env.js";
import type { Background } from "./background.js";
import type { RunChanges } from "./run-changes.js";

/** An installation's paced client (see `installationClients`): Probot's Octokit with `.rest` and `.request`. */
export type Octokit = InstanceType<typeof ProbotOctokit>;

/** Tunables of the app; every one has a production default (tests shorten the waits). */
export interface AppTuning {
  /** Minimum gap between two PATCHes of one check run (spec: at most one per second). */
  readonly checkRunIntervalMs: number;
  /** How long a collaborator permission or team membership answer is reused (spec: ≤ 60 s). */
  readonly permissionCacheMs: number;
  /** First wait before a failed report (check runs, review, comments) is tried again; doubles up to 10 minutes. */
  readonly reportRetryMs: number;
}

/**
 * Everything the job handlers, executors and reporters share. Built once in `createApp`; handlers translate
 * events into engine events and GitHub requests, they keep no state of their own beyond caches.
 */
export interface AppServices {
  /** This GitHub App's id: tells our check runs from other apps'. */
  readonly appId: number;
  readonly env: Env;
  readonly store: KyselyRunStore;
  readonly github: GitHubStore;
  /** The ledger of posted findings and their judgements. */
  readonly findings: FindingStore;
  /** Error budgets per persona and model per repository. */
  readonly governance: GovernanceStore;
  readonly engine: Engine;
  readonly provider: AgentProvider;
  readonly agentCache: AgentCache;
  /** The built-in templates' YAML by name (`workflows/`), for `template:` and `/agents run <template>`. */
  readonly templates: Readonly<Record<string, string>>;
  /** A paced client for an installation. Every request of the engine and handlers goes through one. */
  octokit(installationId: number): Promise<Octokit>;
  /** The paced client of a run's installation; throws for runs not started from GitHub. */
  octokitFor(run: RunState): Promise<Octokit>;
  readonly log: Logger;
  readonly now: () => number;
  readonly background: Background;
  readonly tuning: AppTuning;
  /**
   * Shows the run on GitHub now, past the check-run interval, and resolves once GitHub has it (throws if it
   * could not); a no-op when reporting is off. The merge step calls it so `agents` reads `success` first.
   */
  reportNow(run: RunState): Promise<void>;
  /** The dashboard's page of a run, when the dashboard is on; else undefined. */
  dashboardUrl(runId: string): string | undefined;
  /** Every stored run change, for the dashboard's live pages. */
  readonly changes: RunChanges;
  /** Locks held across every app process on the database (replicas on Postgres); no-ops on SQLite. */
  readonly locks: NamedLocks;
}
