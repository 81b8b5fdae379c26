import { parentPort, workerData } from "node:worker_threads";
import type { FakeFile } from "./github-app-fake-github.js";
import { benchStandardRun, type StandardRunOptions } from "./github-app-requests.js";

/** What the review-first bench hands each worker: one standard run in a fresh module graph. */
export interface ReviewFirstSettings {
  readonly files: readonly FakeFile[];
  readonly options: StandardRunOptions;
}

// A worker has its own module instances: its app loads the tokenizer as a freshly started process would, while
// the fake OpenAI server (which counts tokens too) runs on the main thread.
const settings = workerData as ReviewFirstSettings;
const result = await benchStandardRun("review first", settings.files, settings.options);
parentPort?.postMessage(result);
