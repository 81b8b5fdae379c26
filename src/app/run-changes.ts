import { EventEmitter } from "node:events";

/**
 * Tells in-process listeners (the dashboard's live pages) that a run changed. The engine calls `changed` after
 * every stored change; a listener that misses one (another process changed the run) finds it by polling.
 */
export class RunChanges {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open dashboard page: many is normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  changed(runId: string): void {
    this.emitter.emit("change", runId);
  }

  /** Calls `listener` with the id of every run that changes; returns the unsubscribe function. */
  subscribe(listener: (runId: string) => void): () => void {
    this.emitter.on("change", listener);
    return () => this.emitter.off("change", listener);
  }
}
