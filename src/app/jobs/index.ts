import { handleCheckRunAction, handleCheckRunRerequested, handleComment, handleReview } from "./commands.js";
import {
  handleChecksChanged,
  handleDeploymentStatus,
  handleMergeGroup,
  handleProtectionRule,
} from "./deployments.js";
import { handleReviewComment, handleReviewThread } from "./findings.js";
import type { JobHandler } from "./job-queue.js";
import { handleCheckSuiteRerequested, handleIssue, handlePullRequest } from "./pull-request.js";

/** Routes a job to its handler: the only place that knows every job type. */
export const handleJob: JobHandler = async (s, job, deliveryId) => {
  switch (job.type) {
    case "pull_request":
      return handlePullRequest(s, job, deliveryId);
    case "issue":
      return handleIssue(s, job, deliveryId);
    case "check_suite_rerequested":
      return handleCheckSuiteRerequested(s, job, deliveryId);
    case "comment":
      return handleComment(s, job, deliveryId);
    case "review":
      return handleReview(s, job, deliveryId);
    case "review_comment":
      return handleReviewComment(s, job, deliveryId);
    case "review_thread":
      return handleReviewThread(s, job, deliveryId);
    case "check_run_rerequested":
      return handleCheckRunRerequested(s, job, deliveryId);
    case "check_run_action":
      return handleCheckRunAction(s, job, deliveryId);
    case "checks_changed":
      return handleChecksChanged(s, job, deliveryId);
    case "deployment_status":
      return handleDeploymentStatus(s, job, deliveryId);
    case "merge_group":
      return handleMergeGroup(s, job, deliveryId);
    case "deployment_protection_rule":
      return handleProtectionRule(s, job, deliveryId);
  }
};
