/** The last error the gateway reported, from its error output and its JSON log. @module */
import { listDailyLogs } from "./files.js";
import { readLastLines } from "./tail.js";
import { join } from "node:path";

export interface LastError {
  readonly message: string;
  readonly time?: string;
  readonly source: string;
}

const ERRORISH = /error|failed|refusing|fatal|EADDRINUSE|in use/i;

export function findLastGatewayError(logsDir: string, fixedFile?: string): LastError | undefined {
  const found: LastError[] = [];
  const jsonFiles = fixedFile ? [fixedFile] : listDailyLogs(logsDir).map((f) => f.path);
  for (const line of readLastLines(jsonFiles, { limit: 500, maxBytes: 512 * 1024 }).toReversed()) {
    try {
      const record = JSON.parse(line) as { level?: string; msg?: string; time?: string };
      if ((record.level === "error" || record.level === "fatal") && record.msg) {
        found.push({ message: record.msg, ...(record.time ? { time: record.time } : {}), source: "log" });
        break;
      }
    } catch {
      // not a JSON line
    }
  }
  const errLines = readLastLines([join(logsDir, "gateway.err.log")], {
    limit: 50,
    maxBytes: 64 * 1024,
    keep: (l) => ERRORISH.test(l),
  });
  const lastErr = errLines.at(-1);
  if (lastErr)
    found.push({ message: lastErr.replace(/^\S+ (error|fatal)\s+\S+:\s*/, "").trim(), source: "gateway.err.log" });
  return found.toSorted((a, b) => (b.time ?? "").localeCompare(a.time ?? ""))[0];
}
