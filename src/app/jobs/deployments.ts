import type { HandlerOf } from "./job-types.js";

// Owned by the merge-and-deploy work.
export const handleChecksChanged: HandlerOf<"checks_changed"> = async () => {};
export const handleDeploymentStatus: HandlerOf<"deployment_status"> = async () => {};
export const handleMergeGroup: HandlerOf<"merge_group"> = async () => {};
export const handleProtectionRule: HandlerOf<"deployment_protection_rule"> = async () => {};
