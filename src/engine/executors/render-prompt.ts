import { Liquid } from "liquidjs";

/**
 * Liquid renders `agent` step prompts: it has no way to run code, and with an empty in-memory template map it
 * cannot read files through `{% include %}`. Limits stop a prompt such as `{% for i in (1..1000000000) %}`.
 */
const liquid = new Liquid({
  templates: {},
  ownPropertyOnly: true,
  strictFilters: true,
  parseLimit: 100_000,
  renderLimit: 1_000,
  memoryLimit: 16_000_000,
});

export interface PromptVariables {
  readonly pr: { readonly title: string; readonly body: string } | null;
  readonly issue: { readonly title: string; readonly body: string } | null;
  readonly diff: string;
  /** Earlier steps' text outputs: `{{ steps.<id>.output }}`. */
  readonly steps: Readonly<Record<string, { readonly output: string }>>;
}

/**
 * Renders a step's `prompt:` template. Missing variables render empty.
 *
 * @example renderPrompt("Plan for: {{ issue.title }}", { issue: { title: "Dark mode", body: "" }, … })
 */
export function renderPrompt(template: string, vars: PromptVariables): string {
  return liquid.parseAndRenderSync(template, { ...vars, pr: vars.pr ?? {}, issue: vars.issue ?? {} });
}
