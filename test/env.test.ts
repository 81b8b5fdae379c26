import { describe, expect, test } from "vitest";
import { readEnv } from "../src/env.js";

describe("readEnv", () => {
  test("defaults: SQLite in ./data, 500k tokens per run, any model, dashboard off", () => {
    expect(readEnv({})).toEqual({
      DATABASE_URL: "sqlite:./data/phasegate.db",
      PHASEGATE_MAX_TOKENS_PER_RUN: 500_000,
      PHASEGATE_ALLOWED_MODELS: [],
    });
  });

  test("parses every variable; empty strings count as unset", () => {
    expect(
      readEnv({
        DATABASE_URL: "postgres://u@db/phasegate",
        OPENAI_API_KEY: "sk-test",
        OPENAI_BASE_URL: "http://127.0.0.1:11434/v1",
        PHASEGATE_MAX_TOKENS_PER_RUN: "100000",
        PHASEGATE_ALLOWED_MODELS: "gpt-4o-mini, llama3 ,",
        DASHBOARD_TOKEN: "",
      }),
    ).toEqual({
      DATABASE_URL: "postgres://u@db/phasegate",
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: "http://127.0.0.1:11434/v1",
      PHASEGATE_MAX_TOKENS_PER_RUN: 100_000,
      PHASEGATE_ALLOWED_MODELS: ["gpt-4o-mini", "llama3"],
    });
  });

  test("one error listing every bad variable, never echoing a value", () => {
    let message = "";
    try {
      readEnv({
        DATABASE_URL: "mysql://secret-host",
        PHASEGATE_MAX_TOKENS_PER_RUN: "lots",
        DASHBOARD_TOKEN: "short",
      });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(
      "invalid environment:\n" +
        "  DATABASE_URL: expected sqlite:<path> or postgres://…\n" +
        "  PHASEGATE_MAX_TOKENS_PER_RUN: Invalid input: expected number, received NaN\n" +
        "  DASHBOARD_TOKEN: use at least 16 characters",
    );
    expect(message).not.toContain("secret-host");
  });
});
