import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

/** A changed file as `GET /pulls/{n}/files` lists it. */
export interface FakeFile {
  readonly filename: string;
  readonly status: "added" | "modified" | "removed";
  readonly patch: string;
}

/** What the fake knows about one pull request; unknown numbers get a default open PR. */
export interface FakePull {
  headSha: string;
  author: string;
  merged: boolean;
  files: readonly FakeFile[];
  /** The PR's title; `Change <n>` when unset. */
  title?: string;
}

/** One answered request, by route template (`PATCH /repos/{owner}/{repo}/check-runs/{id}`). */
export interface ServedRequest {
  readonly method: string;
  readonly route: string;
  readonly status: number;
  /** Whether the fake knew the route (else it answered 404 as GitHub would for an unknown path). */
  readonly known: boolean;
  /** The concrete path and the gist of a write's body (check-run name, status, conclusion; review event). */
  readonly detail: string;
  /** The request's JSON body ({} when it had none). */
  readonly body: Readonly<Record<string, unknown>>;
  /** The `id` of the object the answer returned (a created check run, deployment, comment), if any. */
  readonly answeredId?: number;
  /** When the fake handled it (its effect is visible from then), in ms since the epoch (`performance.timeOrigin` based). */
  readonly at: number;
}

export interface FakeGitHub {
  /** The API base URL to give Probot as `baseUrl`. */
  readonly url: string;
  /** Every request, in arrival order, the installation token requests included. */
  readonly served: ServedRequest[];
  pull(number: number): FakePull;
  /** Adds a human's review as GitHub would list it (`GET /pulls/{n}/reviews`). */
  addReview(
    number: number,
    review: { user: string; state: "APPROVED" | "CHANGES_REQUESTED"; commitId: string },
  ): void;
  /** Sets the files every PR without its own list shows. */
  setDefaultFiles(files: readonly FakeFile[]): void;
  close(): Promise<void>;
}

/** The token route; reported apart from the app's own API traffic. */
export const TOKEN_ROUTE = "POST /app/installations/{installation_id}/access_tokens";

type Json = Record<string, unknown> | unknown[];
type Answer = { status: number; body?: Json | string; headers?: Record<string, string> };
interface Request {
  readonly method: string;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
  readonly accept: string;
}
type Handler = (r: Request) => Answer;

const sha = (text: string) => createHash("sha1").update(text).digest("hex");
const iso = () => new Date().toISOString();

/**
 * A stand-in for GitHub's REST API on 127.0.0.1, for benchmarks: answers the endpoints the app calls with
 * plausible JSON, keeps the state the app reads back (check runs, reviews, comments, merges) and records every
 * request by route template. `workflowYaml` is served as `.agents/workflow.yaml` on every ref (null: no such file).
 */
export async function startFakeGitHub(opts: {
  appId: number;
  owner: string;
  repo: string;
  workflowYaml: string | null;
  /** Network and server time of every request: it is handled and answered this long after it arrived. */
  latencyMs?: number;
}): Promise<FakeGitHub> {
  const served: ServedRequest[] = [];
  const pulls = new Map<number, FakePull>();
  const checkRuns: Record<string, unknown>[] = [];
  const reviews = new Map<number, Record<string, unknown>[]>();
  const comments = new Map<number, Record<string, unknown>[]>();
  let defaultFiles: readonly FakeFile[] = [];
  let nextId = 1000;
  const bot = { login: "phasegate[bot]", id: 9000, type: "Bot" };
  const user = (login: string) => ({ login, id: 100 + login.length, type: "User", site_admin: false });

  const pull = (n: number): FakePull => {
    let p = pulls.get(n);
    if (!p) {
      p = { headSha: sha(`pr-${n}-0`), author: "octo-author", merged: false, files: [] };
      pulls.set(n, p);
    }
    return p;
  };
  const filesOf = (p: FakePull) => (p.files.length > 0 ? p.files : defaultFiles);
  const fileJson = (f: FakeFile) => {
    const lines = f.patch.split("\n");
    const additions = lines.filter((l) => l.startsWith("+")).length;
    const deletions = lines.filter((l) => l.startsWith("-")).length;
    return {
      sha: sha(f.filename + f.patch),
      filename: f.filename,
      status: f.status,
      additions,
      deletions,
      changes: additions + deletions,
      blob_url: `https://github.com/${opts.owner}/${opts.repo}/blob/x/${f.filename}`,
      raw_url: `https://github.com/${opts.owner}/${opts.repo}/raw/x/${f.filename}`,
      contents_url: `https://api.github.com/repos/${opts.owner}/${opts.repo}/contents/${f.filename}`,
      patch: f.patch,
    };
  };
  const pullJson = (n: number) => {
    const p = pull(n);
    const files = filesOf(p).map(fileJson);
    return {
      id: 5000 + n,
      number: n,
      state: p.merged ? "closed" : "open",
      title: p.title ?? `Change ${n}`,
      body: "Adds limit checks.",
      draft: false,
      merged: p.merged,
      mergeable: !p.merged,
      mergeable_state: "clean",
      user: user(p.author),
      labels: [],
      head: { ref: `feature-${n}`, sha: p.headSha, repo: { full_name: `${opts.owner}/${opts.repo}` } },
      base: { ref: "main", sha: sha("main"), repo: { full_name: `${opts.owner}/${opts.repo}` } },
      additions: files.reduce((s, f) => s + f.additions, 0),
      deletions: files.reduce((s, f) => s + f.deletions, 0),
      changed_files: files.length,
      commits: 1,
    };
  };
  const checkRunJson = (body: Record<string, unknown>, id: number) => ({
    id,
    name: body.name,
    head_sha: body.head_sha,
    external_id: body.external_id ?? "",
    status: body.status ?? "queued",
    conclusion: body.conclusion ?? null,
    started_at: body.started_at ?? iso(),
    completed_at: body.completed_at ?? null,
    output: body.output ?? {},
    app: { id: opts.appId, slug: "phasegate" },
    html_url: `https://github.com/${opts.owner}/${opts.repo}/runs/${id}`,
  });
  const list = (all: Record<string, unknown>[], q: URLSearchParams) => {
    const perPage = Number(q.get("per_page") ?? 30);
    const page = Number(q.get("page") ?? 1);
    return all.slice((page - 1) * perPage, page * perPage);
  };

  const routes: [string, string, Handler][] = [
    [
      "POST",
      "/app/installations/{installation_id}/access_tokens",
      () => ({
        status: 201,
        body: {
          token: "ghs_fake_installation_token",
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
          permissions: { checks: "write", pull_requests: "write", contents: "write", issues: "write" },
          repository_selection: "all",
        },
      }),
    ],
    [
      "GET",
      "/repos/{owner}/{repo}",
      () => ({
        status: 200,
        body: { id: 1, name: opts.repo, full_name: `${opts.owner}/${opts.repo}`, default_branch: "main" },
      }),
    ],
    [
      "GET",
      "/repos/{owner}/{repo}/contents/{path+}",
      ({ params, accept }) => {
        if (params.path !== ".agents/workflow.yaml" || opts.workflowYaml === null) return notFound();
        if (accept.includes("raw")) return { status: 200, body: opts.workflowYaml };
        return {
          status: 200,
          body: {
            type: "file",
            name: "workflow.yaml",
            path: params.path,
            sha: sha(opts.workflowYaml),
            size: opts.workflowYaml.length,
            encoding: "base64",
            content: Buffer.from(opts.workflowYaml).toString("base64"),
          },
        };
      },
    ],
    [
      "GET",
      "/repos/{owner}/{repo}/pulls/{pull_number}",
      ({ params }) => ({ status: 200, body: pullJson(Number(params.pull_number)) }),
    ],
    [
      "GET",
      "/repos/{owner}/{repo}/pulls/{pull_number}/files",
      ({ params, query }) => ({
        status: 200,
        body: list(filesOf(pull(Number(params.pull_number))).map(fileJson), query),
      }),
    ],
    [
      "GET",
      "/repos/{owner}/{repo}/pulls/{pull_number}/commits",
      ({ params }) => {
        const p = pull(Number(params.pull_number));
        const who = { name: p.author, email: `${p.author}@example.com`, date: iso() };
        return {
          status: 200,
          body: [
            {
              sha: p.headSha,
              commit: { author: who, committer: who, message: "change" },
              author: user(p.author),
              committer: user(p.author),
            },
          ],
        };
      },
    ],
    [
      "GET",
      "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
      ({ params, query }) => ({
        status: 200,
        body: list(reviews.get(Number(params.pull_number)) ?? [], query),
      }),
    ],
    [
      "POST",
      "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
      ({ params, body }) => {
        const n = Number(params.pull_number);
        const id = nextId++;
        const event = String(body.event ?? "COMMENT");
        const review = {
          id,
          user: bot,
          body: body.body ?? "",
          state:
            event === "REQUEST_CHANGES"
              ? "CHANGES_REQUESTED"
              : event === "APPROVE"
                ? "APPROVED"
                : "COMMENTED",
          commit_id: body.commit_id ?? pull(n).headSha,
          submitted_at: iso(),
        };
        reviews.set(n, [...(reviews.get(n) ?? []), review]);
        return { status: 200, body: review };
      },
    ],
    ["GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments", () => ({ status: 200, body: [] })],
    [
      "PUT",
      "/repos/{owner}/{repo}/pulls/{pull_number}/merge",
      ({ params, body }) => {
        const p = pull(Number(params.pull_number));
        if (p.merged) return { status: 405, body: { message: "Pull Request is not mergeable" } };
        if (body.sha !== undefined && body.sha !== p.headSha)
          return {
            status: 409,
            body: { message: "Head branch was modified. Review and try the merge again." },
          };
        p.merged = true;
        return {
          status: 200,
          body: { sha: sha(`merge-${p.headSha}`), merged: true, message: "Pull Request successfully merged" },
        };
      },
    ],
    [
      "POST",
      "/repos/{owner}/{repo}/check-runs",
      ({ body }) => {
        const run = checkRunJson(body, nextId++);
        checkRuns.push(run);
        return { status: 201, body: run };
      },
    ],
    [
      "PATCH",
      "/repos/{owner}/{repo}/check-runs/{check_run_id}",
      ({ params, body }) => {
        const id = Number(params.check_run_id);
        const i = checkRuns.findIndex((c) => c.id === id);
        if (i < 0) return notFound();
        const updated = { ...checkRuns[i], ...body, id };
        checkRuns[i] = updated;
        return { status: 200, body: updated };
      },
    ],
    [
      "GET",
      "/repos/{owner}/{repo}/check-runs/{check_run_id}",
      ({ params }) => {
        const run = checkRuns.find((c) => c.id === Number(params.check_run_id));
        return run ? { status: 200, body: run } : notFound();
      },
    ],
    [
      "GET",
      "/repos/{owner}/{repo}/commits/{ref}/check-runs",
      ({ params, query }) => {
        const name = query.get("check_name");
        const appId = query.get("app_id");
        const runs = checkRuns.filter(
          (c) =>
            c.head_sha === params.ref &&
            (!name || c.name === name) &&
            (!appId || Number(appId) === opts.appId),
        );
        return { status: 200, body: { total_count: runs.length, check_runs: list(runs, query) } };
      },
    ],
    [
      "GET",
      "/repos/{owner}/{repo}/commits/{ref}/status",
      ({ params }) => ({
        status: 200,
        body: { state: "success", sha: params.ref, statuses: [], total_count: 0 },
      }),
    ],
    [
      "GET",
      "/repos/{owner}/{repo}/collaborators/{username}/permission",
      ({ params }) => ({
        status: 200,
        body: { permission: "write", role_name: "write", user: user(params.username ?? "") },
      }),
    ],
    [
      "GET",
      "/orgs/{org}/teams/{team_slug}/memberships/{username}",
      () => ({ status: 200, body: { state: "active", role: "member" } }),
    ],
    [
      "GET",
      "/repos/{owner}/{repo}/issues/{issue_number}",
      ({ params }) => ({ status: 200, body: { ...pullJson(Number(params.issue_number)), pull_request: {} } }),
    ],
    [
      "GET",
      "/repos/{owner}/{repo}/issues/{issue_number}/comments",
      ({ params, query }) => ({
        status: 200,
        body: list(comments.get(Number(params.issue_number)) ?? [], query),
      }),
    ],
    [
      "POST",
      "/repos/{owner}/{repo}/issues/{issue_number}/comments",
      ({ params, body }) => {
        const n = Number(params.issue_number);
        const comment = { id: nextId++, body: body.body, user: bot, created_at: iso(), updated_at: iso() };
        comments.set(n, [...(comments.get(n) ?? []), comment]);
        return { status: 201, body: comment };
      },
    ],
    [
      "PATCH",
      "/repos/{owner}/{repo}/issues/comments/{comment_id}",
      ({ params, body }) => ({
        status: 200,
        body: { id: Number(params.comment_id), body: body.body, user: bot },
      }),
    ],
    [
      "POST",
      "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
      ({ body }) => ({
        status: 201,
        body: { id: nextId++, content: body.content, user: bot, created_at: iso() },
      }),
    ],
    [
      "POST",
      "/repos/{owner}/{repo}/deployments",
      ({ body }) => ({
        status: 201,
        body: { id: nextId++, sha: body.ref, ref: body.ref, environment: body.environment },
      }),
    ],
    ["POST", "/graphql", () => ({ status: 200, body: { data: {} } })],
  ];

  const compiled = routes.map(([method, template, handle]) => {
    const names: string[] = [];
    const pattern = template.replace(/\{([a-z_]+)(\+?)\}/g, (_m, name: string, rest: string) => {
      names.push(name);
      return rest ? "(.+)" : "([^/]+)";
    });
    return {
      method,
      route: template.replace("+}", "}"),
      regex: new RegExp(`^${pattern}$`),
      names,
      handle,
    };
  });

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      raw += chunk;
    });
    req.on("end", () => {
      if (opts.latencyMs) setTimeout(() => handle(req, res, raw), opts.latencyMs);
      else handle(req, res, raw);
    });
  });
  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname.replace(/^\/api\/v3/, "");
    const method = req.method ?? "GET";
    let answer: Answer = notFound();
    let route = `${method} ${unknownRoute(path)}`;
    let known = false;
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      body = {};
    }
    for (const r of compiled) {
      const m = r.method === method ? r.regex.exec(path) : null;
      if (!m) continue;
      const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? "")]));
      answer = r.handle({
        method,
        params,
        query: url.searchParams,
        body,
        accept: String(req.headers.accept ?? ""),
      });
      route = `${method} ${r.route}`;
      known = true;
      break;
    }
    served.push({
      method,
      route,
      status: answer.status,
      known,
      detail: detailOf(url, raw),
      at: performance.timeOrigin + performance.now(),
      body,
      ...(typeof (answer.body as { id?: unknown } | undefined)?.id === "number"
        ? { answeredId: (answer.body as { id: number }).id }
        : {}),
    });
    const text =
      typeof answer.body === "string"
        ? answer.body
        : answer.body === undefined
          ? ""
          : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      "content-type":
        typeof answer.body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "4999",
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      "x-ratelimit-resource": "core",
      "x-github-request-id": `FAKE:${served.length}`,
      ...answer.headers,
    });
    res.end(text);
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    pull,
    addReview(number, r) {
      const review = {
        id: nextId++,
        user: user(r.user),
        body: "",
        state: r.state,
        commit_id: r.commitId,
        submitted_at: iso(),
      };
      reviews.set(number, [...(reviews.get(number) ?? []), review]);
    },
    setDefaultFiles(files) {
      defaultFiles = files;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function detailOf(url: URL, raw: string): string {
  let gist = "";
  try {
    const b = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const keys = ["name", "status", "conclusion", "event", "sha", "merge_method", "content", "details_url"];
    gist = keys
      .filter((k) => b[k] !== undefined)
      .map((k) => `${k}=${String(b[k])}`)
      .join(" ");
    const output = b.output as { title?: string; annotations?: unknown[] } | undefined;
    if (output?.title) gist += ` title="${output.title}"`;
    if (output?.annotations?.length) gist += ` annotations=${output.annotations.length}`;
    if (Array.isArray(b.comments)) gist += ` comments=${b.comments.length}`;
  } catch {
    gist = "(body not JSON)";
  }
  return `${url.pathname}${url.search} ${gist}`.trim();
}

function notFound(): Answer {
  return { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } };
}

/** A path the fake does not know, with ids and SHAs generalised so repeated calls group together. */
function unknownRoute(path: string): string {
  return path
    .replace(/\/[0-9a-f]{40}(?=\/|$)/g, "/{sha}")
    .replace(/\/\d+(?=\/|$)/g, "/{id}")
    .concat(" (unknown to the fake: 404)");
}
