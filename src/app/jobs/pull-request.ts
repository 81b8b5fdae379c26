import type { HandlerOf } from "./job-types.js";

// Owned by the runs work: config from the default branch, starting, superseding and cancelling runs.
export const handlePullRequest: HandlerOf<"pull_request"> = async () => {};
export const handleIssue: HandlerOf<"issue"> = async () => {};
export const handleCheckSuiteRerequested: HandlerOf<"check_suite_rerequested"> = async () => {};
