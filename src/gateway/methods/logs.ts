/** `logs.tail`: cursor-based, bounded reads of the gateway's current log file. @module */
import * as v from "valibot";
import { readLogChunk } from "../../logging/tail.js";
import type { MethodHandler } from "./index.js";
import { parseParams } from "./params.js";

const tailParams = v.looseObject({
  cursor: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5000))),
  maxBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000))),
});

export const handlers: Record<string, MethodHandler> = {
  "logs.tail": ({ runtime, params }) => {
    const p = parseParams("logs.tail", tailParams, params);
    const file = runtime.currentLogFile();
    const chunk = readLogChunk(file, { cursor: p.cursor, limit: p.limit ?? 500, maxBytes: p.maxBytes ?? 250_000 });
    return {
      file,
      cursor: chunk.cursor,
      size: chunk.size,
      lines: chunk.lines,
      ...(chunk.truncated ? { truncated: true } : {}),
      ...(chunk.reset ? { reset: true } : {}),
    };
  },
};
