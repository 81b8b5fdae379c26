import { existsSync } from "node:fs";
import { run } from "probot";
import { createApp } from "./app/create-app.js";
import { serverLogger, serverLogOptions } from "./ops/server-log.js";

/**
 * `npm start`: Probot's server (as `probot run` starts it: the setup page first, then webhooks on
 * `POST /api/github/webhooks`) running phasegate, with a logger that keeps credentials out of request logs.
 */
// Probot reads `.env` itself, but the logger is made first, so its LOG_* settings are read here too.
if (existsSync(".env")) process.loadEnvFile(".env");
await run(createApp(), { log: await serverLogger(serverLogOptions(process.env)) });
