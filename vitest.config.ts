import { defineConfig } from "vitest/config";

/**
 * The whole-app suites that the replica mode runs again with two app instances on one Postgres database,
 * webhooks alternating between them (test/app/harness.ts, `REPLICAS`): standard run, supersede, restart,
 * commands, gates, merge and deploy.
 */
const REPLICA_SUITES = [
  "test/app/e2e-standard.test.ts",
  "test/app/e2e-synchronize.test.ts",
  "test/app/e2e-restart.test.ts",
  "test/app/commands/*.test.ts",
  "test/app/gates/*.test.ts",
  "test/app/executors/merge-step.test.ts",
  "test/app/executors/deploy-step.test.ts",
  "test/app/deploy/checks.test.ts",
  "test/app/deploy/protection.test.ts",
  "test/app/findings/*.test.ts",
];

const shared = {
  setupFiles: ["test/setup.ts"],
  testTimeout: 20_000,
  hookTimeout: 30_000,
  // Postgres tests share one database; files run in parallel but each uses its own schema.
  pool: "forks" as const,
};

export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    projects: [
      { test: { ...shared, name: "main", include: ["test/**/*.test.ts"] } },
      {
        test: {
          ...shared,
          name: "replicas",
          include: REPLICA_SUITES,
          env: { PHASEGATE_TEST_REPLICAS: "2" },
        },
      },
    ],
  },
});
