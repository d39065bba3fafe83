/** Method parameter checks: a wrong shape is `INVALID_REQUEST invalid <method> params: …`. @module */
import * as v from "valibot";
import { invalidRequest } from "../../protocol/errors.js";

export function parseParams<T extends v.GenericSchema>(method: string, schema: T, params: unknown): v.InferOutput<T> {
  const result = v.safeParse(schema, params ?? {});
  if (result.success) return result.output;
  const text = result.issues
    .slice(0, 5)
    .map((issue) => `${issue.path?.map((p) => String(p.key)).join(".") || "params"}: ${issue.message}`)
    .join("; ");
  throw invalidRequest(`invalid ${method} params: ${text}`);
}

/** An empty params object (unknown keys are errors, as upstream's closed schemas make them). */
export const noParams = v.strictObject({});
