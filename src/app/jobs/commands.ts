import type { HandlerOf } from "./job-types.js";

// Owned by the commands-and-gates work: slash commands, buttons, reviews re-evaluating gates.
export const handleComment: HandlerOf<"comment"> = async () => {};
export const handleReview: HandlerOf<"review"> = async () => {};
export const handleCheckRunRerequested: HandlerOf<"check_run_rerequested"> = async () => {};
export const handleCheckRunAction: HandlerOf<"check_run_action"> = async () => {};
