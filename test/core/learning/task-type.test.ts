import { describe, expect, test } from "vitest";
import { dominantTaskType, taskTypeOf } from "../../../src/core/learning/task-type.js";

describe("taskTypeOf", () => {
  test.each([
    // tests: folders and the usual names, before every other rule
    ["test/core/a.ts", "tests"],
    ["pkg/tests/util.py", "tests"],
    ["src/__tests__/button.tsx", "tests"],
    ["spec/models/user.rb", "tests"],
    ["Tests/AppTests/Login.swift", "tests"],
    ["src/a.test.ts", "tests"],
    ["src/a.spec.JS", "tests"],
    ["server/handler_test.go", "tests"],
    ["pkg/test_parser.py", "tests"],
    ["pkg/parser_test.py", "tests"],
    ["src/main/java/com/x/UserServiceTest.java", "tests"],
    ["lib/user_spec.rb", "tests"],
    ["test/fixtures/config.json", "tests"],
    ["tests/docker/Dockerfile", "tests"],
    // infra: CI, Docker, IaC
    [".github/workflows/ci.yml", "infra"],
    [".gitlab-ci.yml", "infra"],
    ["Dockerfile", "infra"],
    ["deploy/Dockerfile.prod", "infra"],
    ["docker-compose.yml", "infra"],
    ["docker-compose.override.yaml", "infra"],
    ["infra/main.tf", "infra"],
    ["envs/prod.tfvars", "infra"],
    ["nomad/job.hcl", "infra"],
    ["charts/api/templates/deployment.yaml", "infra"],
    ["charts/api/Chart.yaml", "infra"],
    ["k8s/service.yml", "infra"],
    ["ops/kubernetes/base/ingress.yaml", "infra"],
    ["Jenkinsfile", "infra"],
    [".circleci/config.yml", "infra"],
    [".github/workflows/README.md", "infra"],
    // docs
    ["README.md", "docs"],
    ["guide/intro.MDX", "docs"],
    ["docs/index.rst", "docs"],
    ["manual/book.adoc", "docs"],
    ["docs/conf.py", "docs"],
    ["docs/notes.txt", "docs"],
    ["LICENSE", "docs"],
    ["LICENSE.txt", "docs"],
    // config
    ["package.json", "config"],
    ["config/app.yaml", "config"],
    [".github/dependabot.yml", "config"],
    ["pyproject.toml", "config"],
    ["setup.cfg", "config"],
    ["tox.ini", "config"],
    [".env", "config"],
    [".env.local", "config"],
    ["src/main/resources/application.properties", "config"],
    [".eslintrc", "config"],
    [".prettierrc.cjs", "config"],
    // languages, extensions case-insensitive
    ["src/a.ts", "ts"],
    ["src/App.TSX", "ts"],
    ["src/a.mts", "ts"],
    ["src/a.cts", "ts"],
    ["src/a.js", "js"],
    ["src/a.jsx", "js"],
    ["src/a.mjs", "js"],
    ["src/a.cjs", "js"],
    ["app/main.py", "py"],
    ["cmd/main.go", "go"],
    ["src/main/java/App.java", "java"],
    ["app/models/user.rb", "rb"],
    ["src/lib.rs", "rs"],
    ["app/Main.kt", "kt"],
    ["build.gradle.kts", "kt"],
    ["Sources/App.swift", "swift"],
    ["src/a.c", "c"],
    ["include/a.h", "c"],
    ["src/a.cc", "cpp"],
    ["src/a.cpp", "cpp"],
    ["src/a.cxx", "cpp"],
    ["include/a.hpp", "cpp"],
    ["src/Program.cs", "cs"],
    ["public/index.php", "php"],
    ["src/Main.scala", "scala"],
    ["scripts/run.sh", "sh"],
    ["scripts/run.bash", "sh"],
    ["scripts/run.zsh", "sh"],
    ["db/schema.SQL", "sql"],
    // neither: other
    ["Makefile", "other"],
    ["assets/logo.png", "other"],
    ["notes.txt", "other"],
    // near misses stay what they are
    ["src/components/charts/Bar.tsx", "ts"],
    ["src/Latest.java", "java"],
    ["src/contest.ts", "ts"],
    ["src/testing.py", "py"],
  ])("%s → %s", (path, type) => {
    expect(taskTypeOf(path)).toBe(type);
  });
});

describe("dominantTaskType", () => {
  test("the area with the most changed lines, additions and deletions summed over its files", () => {
    expect(
      dominantTaskType([
        { path: "README.md", additions: 40, deletions: 0 },
        { path: "src/a.ts", additions: 10, deletions: 15 },
        { path: "src/b.tsx", additions: 20, deletions: 0 },
        { path: "test/a.test.ts", additions: 30, deletions: 0 },
      ]),
    ).toBe("ts"); // ts 45 > docs 40 > tests 30
  });

  test("deletions count as much as additions", () => {
    expect(
      dominantTaskType([
        { path: "a.py", additions: 5, deletions: 0 },
        { path: "b.go", additions: 0, deletions: 6 },
      ]),
    ).toBe("go");
  });

  test("a tie goes to the area first reached in files order", () => {
    const files = [
      { path: "a.py", additions: 3, deletions: 2 },
      { path: "b.go", additions: 5, deletions: 0 },
    ];
    expect(dominantTaskType(files)).toBe("py");
    expect(dominantTaskType([...files].reverse())).toBe("go");
    // py is reached first even though its second file makes the tie
    expect(
      dominantTaskType([
        { path: "a.py", additions: 1, deletions: 0 },
        { path: "b.go", additions: 4, deletions: 0 },
        { path: "c.py", additions: 3, deletions: 0 },
      ]),
    ).toBe("py");
  });

  test("null for no files; files without changed lines still have an area", () => {
    expect(dominantTaskType([])).toBeNull();
    expect(dominantTaskType([{ path: "logo.png", additions: 0, deletions: 0 }])).toBe("other");
  });
});
