/** How a YAML value reads in a message: `string "four"`, `number 3`, `a list`, `an empty value`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "an empty value";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return `string ${quote(value)}`;
    case "number":
    case "boolean":
      return `${typeof value} ${String(value)}`;
    case "object":
      return "a mapping";
    default:
      return typeof value;
  }
}

/** A JSON-quoted string, shortened so that a pasted prompt cannot flood a message. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}…` : value);
}

/** `["a", "b"]` → `expected one of a, b`; one value → `expected a`. */
export function expectedOneOf(values: readonly unknown[]): string {
  const list = values.map((v) => String(v));
  return list.length === 1 ? `expected ${list[0]}` : `expected one of ${list.join(", ")}`;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
  null: "an empty value",
};

/** zod's `expected` type name as a user reads it: `record` → `a mapping`. */
export function describeType(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}
