/** A read-only summary of an agent's session index, for health and status. @module */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export const MAX_INDEX_BYTES = 16 * 1024 * 1024;

export interface SessionSummary {
  readonly path: string;
  readonly count: number;
  readonly recent: { key: string; updatedAt: number; age: number }[];
  readonly error?: string;
}

export function sessionIndexPath(agentsDir: string, agentId: string): string {
  return join(agentsDir, agentId, "sessions", "sessions.json");
}

/** Counts sessions and lists the five most recent; a missing index is an empty one. */
export function summarizeSessions(agentsDir: string, agentId: string, now = Date.now()): SessionSummary {
  const path = sessionIndexPath(agentsDir, agentId);
  let index: Record<string, { updatedAt?: unknown }>;
  try {
    if (statSync(path).size > MAX_INDEX_BYTES)
      return { path, count: 0, recent: [], error: `${path} is larger than ${MAX_INDEX_BYTES} bytes` };
    const parsed = JSON.parse(readFileSync(path, "utf8")) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      return { path, count: 0, recent: [], error: "the session index is not an object" };
    index = parsed as Record<string, { updatedAt?: unknown }>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { path, count: 0, recent: [] };
    return { path, count: 0, recent: [], error: `cannot read the session index: ${(error as Error).message}` };
  }
  const rows = Object.entries(index).map(([key, entry]) => {
    const updatedAt = typeof entry?.updatedAt === "number" ? entry.updatedAt : 0;
    return { key, updatedAt, age: Math.max(0, now - updatedAt) };
  });
  rows.sort((a, b) => b.updatedAt - a.updatedAt);
  return { path, count: rows.length, recent: rows.slice(0, 5) };
}
