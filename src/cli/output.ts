import { styleText } from "node:util";
import type { Finding } from "../core/findings/finding.js";
import type { RunState, StepState } from "../core/run/run-state.js";
import { formatDuration } from "../core/workflow/duration.js";

/** Where a command writes; tests pass buffers, `main` passes the process streams. */
export interface Io {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Colours only on a terminal. */
  readonly color: boolean;
}

type Style = Parameters<typeof styleText>[0];

export function paint(io: Io, style: Style, text: string): string {
  return io.color ? styleText(style, text) : text;
}

const MARK: Record<string, [string, Style]> = {
  running: ["▸", "cyan"],
  waiting: ["…", "yellow"],
  succeeded: ["✓", "green"],
  failed: ["✗", "red"],
  skipped: ["–", "gray"],
  cancelled: ["■", "gray"],
};

export function stepDuration(s: StepState): string {
  return s.startedAt !== null && s.finishedAt !== null ? formatDuration(s.finishedAt - s.startedAt) : "";
}

/** One progress line for a step that changed state, or null when the change is not worth a line. */
export function progressLine(io: Io, run: RunState, s: StepState): string | null {
  const mark = MARK[s.status];
  if (!mark) return null;
  const plan = run.plan.steps.find((p) => p.id === s.id);
  const head = `${paint(io, mark[1], mark[0])} ${s.id}`;
  switch (s.status) {
    case "running":
      return `${head} ${paint(io, "gray", `${plan?.kind ?? ""} started${s.attempts > 1 ? ` (attempt ${s.attempts})` : ""}`)}`;
    case "succeeded":
      return `${head} ${paint(io, "gray", stepDuration(s))} ${s.output?.summary ?? ""}`.trimEnd();
    case "failed":
      return `${head} ${paint(io, "gray", stepDuration(s))} ${s.error ?? "failed"}`;
    case "waiting":
      return `${head} waiting for ${s.waitingFor ?? "an outside event"}`;
    default:
      return `${head} ${s.status}${s.reason ? `: ${s.reason}` : ""}`;
  }
}

/** Plain text table, columns padded to their widest cell. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function stepTable(run: RunState): string {
  const rows = [["PHASE", "STEP", "KIND", "STATE", "TIME", "TOKENS", "RESULT"]];
  for (const p of run.plan.steps) {
    const s = run.steps.get(p.id);
    if (!s) continue;
    const result = s.status === "failed" ? (s.error ?? "") : (s.output?.summary ?? s.reason ?? "");
    rows.push([p.phaseId, p.id, p.kind, s.status, stepDuration(s), String(s.tokens), result]);
  }
  return table(rows);
}

export interface StepFinding extends Finding {
  readonly step: string;
}

export function allFindings(run: RunState): StepFinding[] {
  return run.plan.steps.flatMap((p) =>
    (run.steps.get(p.id)?.output?.findings ?? []).map((f) => ({ ...f, step: p.id })),
  );
}
