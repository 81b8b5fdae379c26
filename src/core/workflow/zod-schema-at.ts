import { z } from "zod";
import type { DataAt } from "./error-context.js";

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

/**
 * The schema that applies at `path`, following the data to pick the branch of a discriminated union (a step's
 * keys depend on its `uses`). Null when the path leaves the schema or the branch cannot be told.
 */
export function schemaAt(
  root: z.ZodType,
  path: readonly (string | number)[],
  dataAt: DataAt,
): z.ZodType | null {
  let schema: z.ZodType = root;
  for (let i = 0; i <= path.length; i++) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodDiscriminatedUnion) {
      const key = schema._zod.def.discriminator;
      const value = dataAt([...path.slice(0, i), key]);
      const branch = (schema.options as z.ZodType[]).find((o) => {
        const lit = o instanceof z.ZodObject ? o.shape[key] : undefined;
        return lit instanceof z.ZodLiteral && lit.values.has(value as z.util.Literal);
      });
      if (!branch) return null;
      schema = branch;
    }
    if (i === path.length) return schema;
    const seg = path[i]!;
    if (schema instanceof z.ZodObject && typeof seg === "string" && Object.hasOwn(schema.shape, seg)) {
      schema = schema.shape[seg] as z.ZodType;
    } else if (schema instanceof z.ZodRecord && typeof seg === "string") {
      schema = schema.valueType as z.ZodType;
    } else if (schema instanceof z.ZodArray && typeof seg === "number") {
      schema = schema.element as z.ZodType;
    } else {
      return null;
    }
  }
  return schema;
}

/** The keys an object schema allows, in the order the schema declares them. */
export function allowedKeysAt(root: z.ZodType, path: readonly (string | number)[], dataAt: DataAt): string[] {
  const schema = schemaAt(root, path, dataAt);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}
