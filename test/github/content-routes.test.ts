import { expect, test } from "vitest";
import { isContentCreating } from "../../src/github/content-routes.js";

test.each([
  ["POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", true],
  ["POST", "/repos/o/r/issues/12/comments", true],
  ["POST", "/repos/o/r/pulls/3/reviews", true],
  ["POST", "/repos/o/r/deployments", true],
  ["POST", "/repos/o/r/check-runs", false],
  ["POST", "/repos/o/r/statuses/abc", false],
  ["PATCH", "/repos/o/r/issues/comments/9", false],
  ["GET", "/repos/o/r/issues/12/comments", false],
  ["POST", "/repos/o/r/issues/12/comments/extra", false],
])("%s %s creates content: %s", (method, path, expected) => {
  expect(isContentCreating(method, path)).toBe(expected);
});
