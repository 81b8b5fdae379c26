import { judgeByReply, judgeByThread } from "../findings/review-replies.js";
import type { HandlerOf } from "./job-types.js";

/** `pull_request_review_comment` created, a reply: `/agents useful` / `/agents wrong [reason]`. */
export const handleReviewComment: HandlerOf<"review_comment"> = (s, job) => judgeByReply(s, job);

/** `pull_request_review_thread` resolved: `addressed` or `dismissed`. */
export const handleReviewThread: HandlerOf<"review_thread"> = (s, job) => judgeByThread(s, job);
