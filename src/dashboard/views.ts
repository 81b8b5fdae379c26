import { Liquid, type Template } from "liquidjs";
import { FINDING_STATES } from "../core/learning/profiles.js";
import { STEP_STATES } from "../core/run/run-state.js";
import { LOGIN, NOT_FOUND, PROFILES, RUN, RUNS, SHADOWS } from "./templates.js";

const templates = { LOGIN, NOT_FOUND, PROFILES, RUN, RUNS, SHADOWS } as const;

/** Liquid with every output HTML-escaped; templates parsed once. */
const liquid = new Liquid({ outputEscape: "escape", strictFilters: true, cache: false });
const parsed = new Map<keyof typeof templates, Template[]>();

/** Renders one of `templates.ts` with `scope` (values escaped; see that file). */
export function render(name: keyof typeof templates, scope: Record<string, unknown>): string {
  let tpl = parsed.get(name);
  if (!tpl) {
    tpl = liquid.parse(templates[name]);
    parsed.set(name, tpl);
  }
  return liquid.renderSync(tpl, {
    stepStates: STEP_STATES,
    findingStates: FINDING_STATES,
    ...scope,
  }) as string;
}
