import type { Finding } from "../../core/findings/finding.js";
import {
  ANNOTATIONS_PER_REQUEST,
  type CheckAnnotation,
  type CheckRunView,
  combineOverall,
  findingFingerprint,
  overallCheckRun,
  phaseCheckRun,
  type SiblingRun,
  stepFindings,
  toAnnotation,
} from "../../core/present/present.js";
import type { Effect } from "../../db/github-store.js";
import { findOrCreate } from "./ledger-write.js";
import { payloadHash } from "./payload-hash.js";
import { presentOptions, type ReportContext } from "./report-context.js";

/** One check run this pass keeps in line with the run. */
interface Target {
  readonly view: CheckRunView;
  /** `<runId>` for `agents`, `<runId>/<phaseId>` for a phase: other modules parse it. */
  readonly externalId: string;
  /** Annotated once the check run completes. */
  readonly findings: readonly Finding[];
}

/** What the ledger keeps of a check run: the hash of the view last sent and the findings already annotated. */
interface CheckData {
  readonly hash: string | null;
  readonly annotated: readonly string[];
}

/** A check run as GET …/check-runs lists it (the fields used here). */
interface FoundCheckRun {
  readonly id: number;
  readonly external_id: string | null;
  readonly status: string;
  readonly conclusion: string | null;
  readonly app?: { readonly id?: number } | null;
  readonly output?: {
    readonly title?: string | null;
    readonly summary?: string | null;
    readonly annotations_count?: number;
  };
}

type ViewBody = Record<string, unknown> & {
  readonly status: string;
  readonly conclusion?: string;
  readonly output: { readonly title: string; readonly summary: string; readonly text?: string };
};

function readData(effect: Effect | null): CheckData {
  const d = effect?.data as Partial<CheckData> | null | undefined;
  return {
    hash: typeof d?.hash === "string" ? d.hash : null,
    annotated: Array.isArray(d?.annotated) ? d.annotated : [],
  };
}

/** Everything GitHub shows of a check run except its annotations: what the hash covers. */
function viewBody(view: CheckRunView, detailsUrl: string | undefined): ViewBody {
  return {
    status: view.status,
    ...(view.status === "completed" ? { conclusion: view.conclusion } : {}),
    output: { ...view.output },
    actions: view.actions.map((a) => ({ ...a })),
    ...(detailsUrl ? { details_url: detailsUrl } : {}),
  };
}

/** The findings not yet annotated, in batches of at most 50, each with the fingerprints it covers. */
function pendingBatches(
  findings: readonly Finding[],
  annotated: ReadonlySet<string>,
): { annotations: CheckAnnotation[]; fingerprints: string[] }[] {
  const seen = new Set(annotated);
  const fresh: Finding[] = [];
  for (const f of findings) {
    const fp = findingFingerprint(f);
    if (seen.has(fp)) continue;
    seen.add(fp);
    fresh.push(f);
  }
  const out: { annotations: CheckAnnotation[]; fingerprints: string[] }[] = [];
  for (let i = 0; i < fresh.length; i += ANNOTATIONS_PER_REQUEST) {
    const batch = fresh.slice(i, i + ANNOTATIONS_PER_REQUEST);
    out.push({ annotations: batch.map(toAnnotation), fingerprints: batch.map(findingFingerprint) });
  }
  return out;
}

/**
 * Keeps the run's check runs in line with its state: `agents` from the start, `agents / <phase>` once the phase
 * leaves `queued` (a phase that never started is not created for a cancelled run); one still in progress is
 * created only after `deferCreate` lets it (two intervals), a completed one at once. Each check run is created
 * once (find-or-create by name + head SHA and `external_id`), PATCHed only when what GitHub shows changed (hash
 * in the ledger) and at most once per interval; the phase's findings are annotated when it completes.
 */
export async function syncCheckRuns(c: ReportContext): Promise<void> {
  const { run } = c;
  const opts = presentOptions(c);
  const effects = await c.s.github.effects(run.id, "check:");
  const overall = combineOverall(overallCheckRun(run, opts), await siblingRuns(c));
  const targets: Target[] = [{ view: overall, externalId: run.id, findings: [] }];
  for (const phase of run.plan.phases) {
    const view = phaseCheckRun(run, phase, opts);
    if (!effects.has(`check:${view.name}`) && (view.status === "queued" || run.status === "cancelled"))
      continue;
    targets.push({ view, externalId: `${run.id}/${phase.id}`, findings: stepFindings(run, phase.steps) });
  }
  let failure: unknown = null;
  for (const t of targets) {
    try {
      await syncCheckRun(c, t, effects.get(`check:${t.view.name}`) ?? null);
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure) throw failure;
}

/** The other workflow runs on this run's head SHA that still count (not cancelled or superseded). */
export async function siblingRuns(c: Pick<ReportContext, "s" | "run">): Promise<SiblingRun[]> {
  const { run } = c;
  const ids = await c.s.github.runIdsForSha(run.facts.repo, run.facts.headSha);
  const out: SiblingRun[] = [];
  for (const id of ids) {
    if (id === run.id) continue;
    const other = await c.s.store.loadRun(id);
    if (!other || other.status === "cancelled") continue;
    out.push({ name: other.plan.name, view: overallCheckRun(other) });
  }
  return out;
}

async function syncCheckRun(c: ReportContext, t: Target, effect: Effect | null): Promise<void> {
  const { s, run } = c;
  const key = `check:${t.view.name}`;
  const body = viewBody(t.view, c.dashboardUrl);
  const hash = payloadHash(body);
  let data = readData(effect);
  const completed = t.view.status === "completed";
  const batches = () => (completed ? pendingBatches(t.findings, new Set(data.annotated)) : []);
  const save = (id: string) =>
    s.github.putEffect(run.id, key, { state: "done", githubId: id, data: { ...data } }, s.now());

  let id = effect?.state === "done" ? effect.githubId : null;
  // A check run still in progress waits one interval before it is created: if the phase finishes (or `agents`
  // reaches a waiting gate) by then, it is created as it is then, in one request.
  if (id === null && !effect && !completed && c.deferCreate(key)) return;
  if (id === null) {
    const first = batches()[0];
    const created = await findOrCreate<FoundCheckRun>(
      c,
      {
        key,
        data: { hash, annotated: [...data.annotated, ...(first?.fingerprints ?? [])] },
        find: () => findCheckRun(c, t),
        create: () => createCheckRun(c, t, body, first?.annotations),
        idOf: (found) => String(found.id),
      },
      effect?.state === "pending",
    );
    id = created.githubId;
    if (created.how === "created") {
      c.wrote(key);
      data = { hash, annotated: [...data.annotated, ...(first?.fingerprints ?? [])] };
    } else {
      // Adopted: GitHub shows what it shows. The view counts as sent only if it matches; annotations were sent
      // in order, so GitHub's count says how many of them it has.
      const out = created.value.output;
      const same =
        created.value.status === body.status &&
        (created.value.conclusion ?? undefined) === body.conclusion &&
        out?.title === body.output.title &&
        out?.summary === body.output.summary;
      const count = out?.annotations_count ?? 0;
      const fresh = batches().flatMap((b) => b.fingerprints);
      data = { hash: same ? hash : null, annotated: [...data.annotated, ...fresh.slice(0, count)] };
    }
    await save(id);
    if (data.hash !== hash) return syncCheckRun(c, t, { state: "done", githubId: id, data: { ...data } });
  } else if (data.hash !== hash || batches().length > 0) {
    if (!c.mayUpdate(key)) return;
    const first = batches()[0];
    await updateCheckRun(c, id, {
      ...body,
      output: { ...body.output, ...annotationsOf(first?.annotations) },
    });
    c.wrote(key);
    data = { hash, annotated: [...data.annotated, ...(first?.fingerprints ?? [])] };
    await save(id);
  }
  // Further batches of annotations: one PATCH each, recorded one by one so a restart never sends one twice.
  for (let batch = batches()[0]; batch; batch = batches()[0]) {
    await updateCheckRun(c, id, { output: { ...body.output, annotations: batch.annotations } });
    data = { hash: data.hash, annotated: [...data.annotated, ...batch.fingerprints] };
    await save(id);
  }
}

function annotationsOf(annotations: readonly CheckAnnotation[] | undefined): {
  annotations?: CheckAnnotation[];
} {
  return annotations && annotations.length > 0 ? { annotations: [...annotations] } : {};
}

async function createCheckRun(
  c: ReportContext,
  t: Target,
  body: ViewBody,
  annotations: readonly CheckAnnotation[] | undefined,
): Promise<FoundCheckRun> {
  const response = await c.octokit.request("POST /repos/{owner}/{repo}/check-runs", {
    owner: c.owner,
    repo: c.repo,
    name: t.view.name,
    head_sha: c.run.facts.headSha,
    external_id: t.externalId,
    ...body,
    output: { ...body.output, ...annotationsOf(annotations) },
  } as never);
  return response.data as FoundCheckRun;
}

async function updateCheckRun(c: ReportContext, id: string, body: Record<string, unknown>): Promise<void> {
  await c.octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
    owner: c.owner,
    repo: c.repo,
    check_run_id: Number(id),
    ...body,
  } as never);
}

/** Our check run of this name and `external_id` on the run's head SHA, if GitHub has it. */
async function findCheckRun(c: ReportContext, t: Target): Promise<FoundCheckRun | null> {
  const response = await c.octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
    owner: c.owner,
    repo: c.repo,
    ref: c.run.facts.headSha,
    check_name: t.view.name,
    filter: "all",
    per_page: 100,
  });
  const runs = (response.data as { check_runs: FoundCheckRun[] }).check_runs;
  return (
    runs.find((r) => r.external_id === t.externalId && (r.app?.id === undefined || r.app.id === c.s.appId)) ??
    null
  );
}
