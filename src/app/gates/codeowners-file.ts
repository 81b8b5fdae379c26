import { type CodeOwnersFile, parseCodeowners } from "../../core/gates/codeowners.js";
import type { RunState } from "../../core/run/run-state.js";
import type { AppServices } from "../services.js";

/** Where GitHub looks for CODEOWNERS, in its order: the first one found is the one used. */
export const CODEOWNERS_PATHS = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"] as const;

/** The repository's CODEOWNERS from the default branch (never the PR head), parsed; null when there is none. */
export async function codeownersFile(s: AppServices, run: RunState): Promise<CodeOwnersFile | null> {
  const gh = run.facts.github;
  if (!gh) return null;
  const octokit = await s.octokitFor(run);
  for (const path of CODEOWNERS_PATHS) {
    try {
      const { data } = await octokit.rest.repos.getContent({
        owner: gh.owner,
        repo: gh.name,
        path,
        ref: gh.defaultBranch,
      });
      if (Array.isArray(data) || data.type !== "file" || !("content" in data)) continue;
      return parseCodeowners(Buffer.from(data.content, "base64").toString("utf8"));
    } catch (err) {
      if ((err as { status?: unknown }).status === 404) continue;
      throw err;
    }
  }
  return null;
}
