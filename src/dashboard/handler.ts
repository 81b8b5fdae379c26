import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RunChanges } from "../app/run-changes.js";
import type { RunPlan } from "../core/run/plan.js";
import { RUN_STATES, type RunStatus } from "../core/run/run-state.js";
import type { Db } from "../db/connect.js";
import { filterChoices, listSignature, runListPage, runVersion } from "../db/dashboard-queries.js";
import { FindingStore } from "../db/finding-store.js";
import type { GitHubStore } from "../db/github-store.js";
import { DEFAULT_PAGE } from "../db/list-runs.js";
import { ShadowStore } from "../db/shadow-store.js";
import type { Logger } from "../engine/logger.js";
import type { RunFilter, RunStore } from "../engine/ports.js";
import type { Env } from "../env.js";
import type { HttpHandler } from "../ops/http-handler.js";
import type { CircuitReading } from "../ops/metrics.js";
import { DASHBOARD_CSS, DASHBOARD_JS } from "./assets.js";
import { clearedCookie, DashboardAuth, isHttps, sessionCookie } from "./auth.js";
import { githubLinks } from "./github-links.js";
import { type GraphLayout, layoutPlan } from "./graph-layout.js";
import { serveChanges } from "./live.js";
import { loadProfiles } from "./profiles-view.js";
import { elapsed, formatTime, runView, subjectOf } from "./run-view.js";
import { loadShadows } from "./shadows-view.js";
import { render } from "./views.js";

/** Every dashboard response: no framing, no sniffing, nothing but our own script and stylesheet. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
} as const;

export interface DashboardDeps {
  readonly token: string;
  readonly store: RunStore;
  readonly db: Db;
  readonly github: GitHubStore;
  /** The findings ledger, for the Profiles page (default: one over `db`). */
  readonly findings?: FindingStore;
  /** Shadow runs, for the Shadows page (default: one over `db`). */
  readonly shadows?: ShadowStore;
  readonly changes: RunChanges;
  readonly log: Logger;
  /** GitHub's web address (`githubWebBase`). */
  readonly webBase: string;
  readonly now?: () => number;
  /** How often live streams poll the database (tests shorten it). */
  readonly pollMs?: number;
  /** The model endpoints' circuit breakers (`circuitStates`), shown on the runs list; none: no line. */
  readonly endpoints?: () => readonly CircuitReading[];
}

/** A circuit state's badge colour: a step state's. */
const CIRCUIT_TONE = { closed: "succeeded", "half-open": "waiting", open: "failed" } as const;

const MAX_FORM_BYTES = 4096;
const CHOICES_MS = 10_000;

/**
 * The dashboard under `/agents` (github-app.md, "Dashboard and CLI"): sign-in, the runs list, a run's page and
 * their live streams, the agents' learning profiles and shadow models. Read-only: it changes no run. Returns
 * false for every other path.
 */
export function dashboardHandler(deps: DashboardDeps): HttpHandler {
  const auth = new DashboardAuth(deps.token);
  const now = deps.now ?? Date.now;
  const findings = deps.findings ?? new FindingStore(deps.db);
  const shadows = deps.shadows ?? new ShadowStore(deps.db);
  const layouts = new Map<string, GraphLayout>();
  let choices: { at: number; value: { repos: string[]; workflows: string[] } } | null = null;

  const layoutOf = (id: string, plan: RunPlan): GraphLayout => {
    let layout = layouts.get(id);
    if (!layout) {
      layout = layoutPlan(plan);
      if (layouts.size >= 200) layouts.delete(layouts.keys().next().value as string);
      layouts.set(id, layout);
    }
    return layout;
  };
  // The values, not the promise: a failed query is not kept for the next 10 s of page views.
  const filterChoicesCached = async () => {
    if (!choices || now() - choices.at > CHOICES_MS)
      choices = { at: now(), value: await filterChoices(deps.db) };
    return choices.value;
  };

  const routes: Record<
    string,
    (req: IncomingMessage, res: ServerResponse, url: URL, m: RegExpExecArray) => Promise<void>
  > = {};

  async function runsPage(_req: IncomingMessage, res: ServerResponse, url: URL) {
    const filter = filterFrom(url);
    const [rows, { repos, workflows }] = await Promise.all([
      runListPage(deps.db, filter),
      filterChoicesCached(),
    ]);
    const t = now();
    const page = filter.limit ?? DEFAULT_PAGE;
    const last = rows.at(-1);
    const base = filterQuery(url);
    const nextUrl =
      last && rows.length === page
        ? `/agents?${withParam(base, "before", `${last.createdAt}:${last.id}`)}`
        : "";
    html(
      res,
      200,
      render("RUNS", {
        pageTitle: "Runs",
        signedIn: true,
        section: "runs",
        liveUrl: `/agents/events?${base}`,
        signature: createHash("sha1")
          .update(rows.map((r) => `${r.id}:${r.status}:${r.tokens}:${r.finishedAt}`).join(","))
          .digest("hex")
          .slice(0, 16),
        repos,
        workflows,
        states: RUN_STATES,
        filter: { repo: filter.repo ?? "", state: filter.status ?? "", workflow: filter.workflowId ?? "" },
        filtered: Boolean(filter.repo || filter.status || filter.workflowId),
        firstPage: !filter.before,
        firstUrl: `/agents${base ? `?${base}` : ""}`,
        nextUrl,
        endpoints: (deps.endpoints?.() ?? []).map((e) => ({ ...e, tone: CIRCUIT_TONE[e.state] })),
        runs: rows.map((r) => ({
          id: r.id,
          repo: r.repo,
          subject: subjectOf(r.source, r.number),
          title: r.title ?? "",
          workflow: r.workflowId,
          status: r.status,
          sha: r.headSha.slice(0, 7),
          started: formatTime(r.startedAt ?? r.createdAt),
          duration: elapsed(r.startedAt, r.finishedAt, t),
          tokens: r.tokens,
        })),
      }),
    );
  }

  async function runPage(_req: IncomingMessage, res: ServerResponse, _url: URL, m: RegExpExecArray) {
    const id = decodedId(m[1]);
    if (id === null) return notFound(res, `No run ${m[1]}.`);
    const run = await deps.store.loadRun(id);
    if (!run) return notFound(res, `No run ${id}.`);
    const [audit, effects] = await Promise.all([deps.store.listAudit(id), deps.github.effects(id)]);
    const view = runView({
      run,
      audit,
      links: githubLinks(deps.webBase, run.facts.repo, run.facts.number, run.facts.source, effects),
      layout: layoutOf(id, run.plan),
      now: now(),
    });
    html(
      res,
      200,
      render("RUN", {
        pageTitle: `${view.subject} ${view.title}`,
        signedIn: true,
        liveUrl: `/agents/runs/${encodeURIComponent(id)}/events`,
        commandPrefix: run.plan.commandPrefix,
        v: view,
      }),
    );
  }

  async function profilesPage(_req: IncomingMessage, res: ServerResponse, url: URL) {
    const repo = url.searchParams.get("repo") || null;
    const v = await loadProfiles(findings, deps.db, repo, now());
    html(res, 200, render("PROFILES", { pageTitle: "Profiles", signedIn: true, section: "profiles", v }));
  }

  routes["GET /agents"] = runsPage;
  routes["GET /agents/"] = runsPage;
  routes["GET /agents/runs/([^/]+)"] = runPage;
  routes["GET /agents/profiles"] = profilesPage;
  routes["GET /agents/shadows"] = async (_req, res, url) => {
    const v = await loadShadows(shadows, url.searchParams.get("repo") || null);
    html(res, 200, render("SHADOWS", { pageTitle: "Shadow models", signedIn: true, section: "shadows", v }));
  };
  routes["GET /agents/runs/([^/]+)/events"] = async (req, res, _url, m) => {
    const id = decodedId(m[1]);
    if (id === null) return notFound(res, `No run ${m[1]}.`);
    serveChanges(req, res, {
      subscribe: (notify) => deps.changes.subscribe((changed) => changed === id && notify()),
      poll: async () => String(await runVersion(deps.db, id)),
      onError: (err) => deps.log.warn({ err, runId: id }, "dashboard: polling a run failed"),
      ...(deps.pollMs ? { pollMs: deps.pollMs } : {}),
    });
  };
  routes["GET /agents/events"] = async (req, res, url) => {
    const filter = filterFrom(url);
    serveChanges(req, res, {
      subscribe: (notify) => deps.changes.subscribe(() => notify()),
      poll: () => listSignature(deps.db, filter),
      onError: (err) => deps.log.warn({ err }, "dashboard: polling the runs list failed"),
      minGapMs: 500,
      ...(deps.pollMs ? { pollMs: deps.pollMs } : {}),
    });
  };
  routes["POST /agents/logout"] = async (_req, res) => {
    res
      .writeHead(303, { ...SECURITY_HEADERS, location: "/agents/login", "set-cookie": clearedCookie() })
      .end();
  };

  const compiled = Object.entries(routes).map(([key, fn]) => {
    const [method, pattern] = key.split(" ") as [string, string];
    return { method, regex: new RegExp(`^${pattern}$`), fn };
  });

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://dashboard");
    if (url.pathname !== "/agents" && !url.pathname.startsWith("/agents/")) return false;
    const method = req.method ?? "GET";
    try {
      if (url.pathname.startsWith("/agents/assets/")) return asset(res, url.pathname);
      if (url.pathname === "/agents/login") {
        if (method === "POST") await login(req, res);
        else html(res, 200, render("LOGIN", { pageTitle: "Sign in", signedIn: false }));
        return true;
      }
      if (!auth.authorized(req, now())) {
        const browser = (req.headers.accept ?? "").includes("text/html");
        if (browser && method === "GET")
          res.writeHead(303, { ...SECURITY_HEADERS, location: "/agents/login" }).end();
        else
          res
            .writeHead(401, { ...SECURITY_HEADERS, "www-authenticate": 'Bearer realm="phasegate"' })
            .end("sign in first\n");
        return true;
      }
      for (const r of compiled) {
        const m = r.regex.exec(url.pathname);
        if (!m) continue;
        if (r.method !== method) {
          res.writeHead(405, { ...SECURITY_HEADERS, allow: r.method }).end();
          return true;
        }
        await r.fn(req, res, url, m);
        return true;
      }
      notFound(res, "There is no such dashboard page.");
    } catch (err) {
      deps.log.error({ err, path: url.pathname }, "dashboard: a page failed");
      if (!res.headersSent) res.writeHead(500, SECURITY_HEADERS);
      res.end();
    }
    return true;
  };

  async function login(req: IncomingMessage, res: ServerResponse) {
    const body = await readForm(req);
    const token = body?.get("token") ?? "";
    if (!token || !auth.tokenMatches(token)) {
      deps.log.warn({ remote: req.socket.remoteAddress }, "dashboard: sign-in refused (wrong token)");
      html(
        res,
        401,
        render("LOGIN", {
          pageTitle: "Sign in",
          signedIn: false,
          error: "That token is not the dashboard token.",
        }),
      );
      return;
    }
    res
      .writeHead(303, {
        ...SECURITY_HEADERS,
        location: "/agents",
        "set-cookie": sessionCookie(auth.newSession(now()), isHttps(req)),
      })
      .end();
  }
}

/** The absolute address of a run's page, for check runs and comments: needs `DASHBOARD_URL` and the dashboard on. */
export function dashboardRunUrl(env: Env, runId: string): string | undefined {
  if (!env.DASHBOARD_TOKEN || !env.DASHBOARD_URL) return undefined;
  return `${env.DASHBOARD_URL.replace(/\/+$/, "")}/agents/runs/${encodeURIComponent(runId)}`;
}

/** A run id from the path; null when its %-escapes are malformed (`/agents/runs/%E0%A4%A`). */
function decodedId(segment: string | undefined): string | null {
  try {
    return decodeURIComponent(segment ?? "");
  } catch {
    return null;
  }
}

function html(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8" }).end(body);
}

function notFound(res: ServerResponse, message: string) {
  html(res, 404, render("NOT_FOUND", { pageTitle: "Not found", signedIn: true, message }));
}

function asset(res: ServerResponse, path: string): true {
  const file = path.slice("/agents/assets/".length);
  const body = file === "dashboard.js" ? DASHBOARD_JS : file === "dashboard.css" ? DASHBOARD_CSS : null;
  if (body === null) {
    res.writeHead(404, SECURITY_HEADERS).end();
    return true;
  }
  const type = file.endsWith(".js") ? "text/javascript" : "text/css";
  res
    .writeHead(200, {
      ...SECURITY_HEADERS,
      "cache-control": "public, max-age=300",
      "content-type": `${type}; charset=utf-8`,
    })
    .end(body);
  return true;
}

/** The filters and page of the runs list from its query string; unknown values are ignored. */
export function filterFrom(url: URL): RunFilter {
  const p = url.searchParams;
  const repo = p.get("repo") || undefined;
  const state = p.get("state");
  const status = (RUN_STATES as readonly string[]).includes(state ?? "") ? (state as RunStatus) : undefined;
  const workflowId = p.get("workflow") || undefined;
  const before = /^(\d+):(.+)$/.exec(p.get("before") ?? "");
  return {
    ...(repo ? { repo } : {}),
    ...(status ? { status } : {}),
    ...(workflowId ? { workflowId } : {}),
    limit: DEFAULT_PAGE,
    ...(before ? { before: { createdAt: Number(before[1]), id: before[2] ?? "" } } : {}),
  };
}

function filterQuery(url: URL): string {
  const q = new URLSearchParams();
  for (const k of ["repo", "state", "workflow"]) {
    const v = url.searchParams.get(k);
    if (v) q.set(k, v);
  }
  return q.toString();
}

function withParam(query: string, key: string, value: string): string {
  const q = new URLSearchParams(query);
  q.set(key, value);
  return q.toString();
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}
