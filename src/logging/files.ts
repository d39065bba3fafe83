/** Names, listing and retention of the daily JSON-lines log files. @module */
import { readdirSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";

const DAILY = /^openclaw-(\d{4}-\d{2}-\d{2})\.log(\.1)?$/;

/** The local calendar date as YYYY-MM-DD. */
export function localDate(date: Date): string {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, "0");
  const d = String(date.getDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

export function dailyLogPath(dir: string, date: Date): string {
  return join(dir, `openclaw-${localDate(date)}.log`);
}

export interface LogFileInfo {
  readonly path: string;
  readonly day: string;
  readonly size: number;
  /** True for the `.1` file a day's log was moved to when it reached its size cap. */
  readonly rotated: boolean;
}

/** Daily log files in `dir`, oldest first (a day's `.1` before the day's current file). */
export function listDailyLogs(dir: string): LogFileInfo[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const files: LogFileInfo[] = [];
  for (const name of names) {
    const match = DAILY.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    try {
      files.push({ path, day: match[1]!, size: statSync(path).size, rotated: match[2] !== undefined });
    } catch {
      // removed while listing
    }
  }
  return files.toSorted((a, b) => (a.day === b.day ? Number(b.rotated) - Number(a.rotated) : a.day < b.day ? -1 : 1));
}

/** Removes daily files older than `retentionDays` days; returns what it removed. */
export function pruneDailyLogs(dir: string, retentionDays: number, now: Date): string[] {
  const cutoff = new Date(now);
  cutoff.setDate(cutoff.getDate() - retentionDays);
  const oldest = localDate(cutoff);
  const removed: string[] = [];
  for (const file of listDailyLogs(dir)) {
    if (file.day >= oldest) continue;
    try {
      unlinkSync(file.path);
      removed.push(file.path);
    } catch {
      // already gone
    }
  }
  return removed;
}
