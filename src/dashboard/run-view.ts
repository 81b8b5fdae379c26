import { sortFindings } from "../core/findings/finding.js";
import { type WaitingGate, waitingGates } from "../core/gates/gate-text.js";
import type { RunState } from "../core/run/run-state.js";
import { formatDuration } from "../core/workflow/duration.js";
import type { AuditEntry } from "../engine/ports.js";
import type { GitHubLink } from "./github-links.js";
import type { GraphLayout } from "./graph-layout.js";
import { type Timeline, timelineOf } from "./timeline.js";

/** Everything the run page shows, as plain values: the template only escapes and places them. */
export interface RunView {
  readonly id: string;
  readonly status: string;
  readonly version: number;
  readonly title: string;
  readonly subject: string;
  readonly repo: string;
  readonly workflow: string;
  readonly headSha: string;
  readonly reason: string | null;
  readonly created: string;
  readonly duration: string;
  readonly tokens: number;
  readonly links: readonly GitHubLink[];
  readonly graph: GraphLayout & {
    readonly nodes: readonly (GraphLayout["nodes"][number] & {
      status: string;
      textX: number;
      textY: number;
    })[];
  };
  readonly timeline: Timeline;
  readonly gates: readonly WaitingGate[];
  readonly steps: readonly StepRow[];
  readonly findingCount: number;
  readonly audit: readonly AuditRow[];
}

export interface StepRow {
  readonly id: string;
  readonly name: string;
  readonly phase: string;
  readonly kind: string;
  readonly status: string;
  readonly attempts: number;
  readonly summary: string;
  readonly tokens: number;
  readonly latency: string;
  readonly findings: readonly { severity: string; where: string; title: string; body: string }[];
}

export interface AuditRow {
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly step: string;
  readonly sha: string;
  readonly reason: string;
}

/** `2026-12-03 07:05:09 UTC`: one unambiguous zone for every viewer. */
export function formatTime(ms: number | null): string {
  if (ms === null) return "";
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** What a run is about: `PR #12`, `issue #7`, or its source when it has no number. */
export function subjectOf(source: string, number: number | null): string {
  if (number === null) return source;
  return `${source === "issue" ? "issue" : "PR"} #${number}`;
}

/** Elapsed time of something that started at `start` and is not finished yet at `now`, or that took start..end. */
export function elapsed(start: number | null, end: number | null, now: number): string {
  if (start === null) return "";
  return formatDuration(Math.max(0, (end ?? now) - start));
}

/**
 * The run page's view of `run`. Shows what a reviewer of the repository can see on GitHub (titles, findings,
 * summaries, who approved): never prompts, persona instructions, the PR body or anything from the environment.
 */
export function runView(input: {
  run: RunState;
  audit: readonly AuditEntry[];
  links: readonly GitHubLink[];
  layout: GraphLayout;
  now: number;
}): RunView {
  const { run, now } = input;
  const phaseName = new Map(run.plan.phases.map((p) => [p.id, p.name]));
  const steps: StepRow[] = run.plan.steps.map((p) => {
    const s = run.steps.get(p.id);
    const findings = sortFindings(s?.output?.findings ?? []).map((f) => ({
      severity: f.severity,
      where: f.line === null ? f.file : `${f.file}:${f.line}`,
      title: f.title,
      body: f.body,
    }));
    return {
      id: p.id,
      name: p.name,
      phase: phaseName.get(p.phaseId) ?? p.phaseId,
      kind: p.kind,
      status: s?.status ?? "queued",
      attempts: s?.attempts ?? 0,
      summary: s?.output?.summary ?? s?.error ?? s?.reason ?? "",
      tokens: s?.tokens ?? 0,
      latency: elapsed(s?.startedAt ?? null, s?.finishedAt ?? null, now),
      findings,
    };
  });
  const f = run.facts;
  return {
    id: run.id,
    status: run.status,
    version: run.version,
    title: f.title ?? `${f.repo} ${f.headSha.slice(0, 7)}`,
    subject: subjectOf(f.source, f.number),
    repo: f.repo,
    workflow: run.plan.workflowId,
    headSha: f.headSha,
    reason: run.reason,
    created: formatTime(run.createdAt),
    duration: elapsed(run.startedAt, run.finishedAt, now),
    tokens: run.tokens,
    links: input.links,
    graph: {
      ...input.layout,
      nodes: input.layout.nodes.map((n) => ({
        ...n,
        status: run.steps.get(n.id)?.status ?? "queued",
        textX: n.x + 10,
        textY: n.y + n.height / 2 + 4,
        label: truncate(n.label, 22),
      })),
    },
    timeline: timelineOf(run, now),
    gates: waitingGates(run),
    steps,
    findingCount: steps.reduce((n, s) => n + s.findings.length, 0),
    audit: input.audit.map((a) => ({
      at: formatTime(a.at),
      actor: a.actor,
      action: a.action,
      step: a.stepId ?? "",
      sha: a.sha ? a.sha.slice(0, 7) : "",
      reason: a.reason ?? "",
    })),
  };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
