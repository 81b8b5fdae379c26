import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findPackageRoot } from "./package-root.js";

let cached: Readonly<Record<string, string>> | null = null;

/**
 * The built-in templates shipped in the package's `workflows/` folder, by name (`feature` → the YAML text of
 * `workflows/feature.yaml`). Read once, then cached: they cannot change while the process runs.
 *
 * @example parseWorkflow(text, { templates: loadBuiltinTemplates() })
 */
export function loadBuiltinTemplates(): Readonly<Record<string, string>> {
  if (cached) return cached;
  const dir = join(findPackageRoot(import.meta.url), "workflows");
  const templates: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith(".yaml"))
      templates[name.slice(0, -".yaml".length)] = readFileSync(join(dir, name), "utf8");
  }
  cached = Object.freeze(templates);
  return cached;
}
