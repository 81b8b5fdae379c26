import type { Db } from "../db/connect.js";
import { checkHealth } from "./health.js";
import type { HttpHandler } from "./http-handler.js";
import type { Metrics } from "./metrics.js";

export interface OperationsDeps {
  readonly db: Db;
  readonly metrics: Metrics;
}

/** `GET /healthz` (200 or 503, JSON) and `GET /metrics` (Prometheus text); false for every other path. */
export function operationsHandler(deps: OperationsDeps): HttpHandler {
  return async (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== "/healthz" && path !== "/metrics") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return true;
    }
    if (path === "/healthz") {
      const health = await checkHealth(deps.db);
      res
        .writeHead(health.status === "ok" ? 200 : 503, {
          "content-type": "application/json",
          "cache-control": "no-store",
        })
        .end(JSON.stringify(health));
      return true;
    }
    try {
      const body = await deps.metrics.registry.metrics();
      res.writeHead(200, { "content-type": deps.metrics.registry.contentType }).end(body);
    } catch {
      res.writeHead(500, { "content-type": "text/plain" }).end("collecting metrics failed\n");
    }
    return true;
  };
}
