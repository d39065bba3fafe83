/** Reading the end of the log files, and following them across the midnight file change. @module */
import { closeSync, openSync, readSync, statSync } from "node:fs";

export const DEFAULT_TAIL_MAX_BYTES = 1024 * 1024;
const CHUNK = 64 * 1024;

/** Reads up to `length` bytes of `path` from `start`. */
function readRange(path: string, start: number, length: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, buffer, done, Math.min(CHUNK, length - done), start + done);
      if (n === 0) break;
      done += n;
    }
    return buffer.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/**
 * The last `limit` lines that pass `keep`, newest file last, reading at most `maxBytes` from the end
 * of the files (newest first), so a huge log never loads whole.
 */
export function readLastLines(
  files: readonly string[],
  options: { limit: number; maxBytes?: number; keep?: (line: string) => boolean; endOfLast?: number },
): string[] {
  let budget = options.maxBytes ?? DEFAULT_TAIL_MAX_BYTES;
  const keep = options.keep ?? (() => true);
  const out: string[] = [];
  for (let i = files.length - 1; i >= 0 && budget > 0 && out.length < options.limit; i--) {
    const path = files[i]!;
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      continue;
    }
    // A follower starts where this read ends: never read past that point of the newest file.
    if (i === files.length - 1 && options.endOfLast !== undefined) size = Math.min(size, options.endOfLast);
    const length = Math.min(size, budget);
    budget -= length;
    const lines = readRange(path, size - length, length)
      .toString("utf8")
      .split("\n");
    if (length < size) lines.shift(); // the first line was cut by the byte budget
    const selected = lines.filter((line) => line.trim() !== "" && keep(line));
    out.unshift(...selected.slice(Math.max(0, selected.length - (options.limit - out.length))));
  }
  return out.slice(-options.limit);
}

export interface FollowOptions {
  /** The file to follow now; asked again at every poll so a new day's file is picked up. */
  readonly currentFile: () => string;
  readonly intervalMs: number;
  readonly onLine: (line: string) => void;
  readonly signal: AbortSignal;
  /** Start at the end of the file as it is now (true) or at its beginning. */
  readonly fromEnd: boolean;
  /** Start at this byte offset of the current file (overrides fromEnd). */
  readonly startOffset?: number;
}

/** Polls the log file and calls `onLine` for each new complete line until the signal aborts. */
export async function followLog(options: FollowOptions): Promise<void> {
  let path = options.currentFile();
  let offset = options.startOffset ?? (options.fromEnd ? sizeOf(path) : 0);
  let pending = "";

  const drain = (file: string): void => {
    const size = sizeOf(file);
    if (size < offset) offset = 0; // moved to .1 at its cap, or truncated: start the new file
    while (size > offset) {
      const chunk = readRange(file, offset, Math.min(CHUNK, size - offset));
      if (chunk.length === 0) break;
      offset += chunk.length;
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (line.trim() !== "") options.onLine(line);
    }
  };

  while (!options.signal.aborted) {
    drain(path);
    const next = options.currentFile();
    if (next !== path) {
      drain(path); // whatever was written to yesterday's file before the switch
      path = next;
      offset = 0;
      pending = "";
      continue;
    }
    await sleepUnlessAborted(options.intervalMs, options.signal);
  }
}

/** Waits `ms`, or less when the signal aborts first. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export interface LogChunk {
  readonly cursor: number;
  readonly size: number;
  readonly lines: string[];
  readonly truncated: boolean;
  readonly reset: boolean;
}

/**
 * A cursor-based read for `logs.tail`: without a cursor, the last `limit` lines; with one, the complete
 * lines written since. A cursor past the end (the file was rotated) starts over with `reset`.
 */
export function readLogChunk(
  path: string,
  options: { cursor?: number | undefined; limit: number; maxBytes: number },
): LogChunk {
  const size = sizeOf(path);
  if (options.cursor === undefined) {
    const lines = readLastLines([path], { limit: options.limit, maxBytes: options.maxBytes });
    return { cursor: size, size, lines, truncated: size > options.maxBytes, reset: false };
  }
  const reset = options.cursor > size;
  const start = reset ? 0 : options.cursor;
  const length = Math.min(size - start, options.maxBytes);
  if (length <= 0) return { cursor: start, size, lines: [], truncated: false, reset };
  const text = readRange(path, start, length).toString("utf8");
  const end = text.lastIndexOf("\n");
  if (end < 0) return { cursor: start, size, lines: [], truncated: length < size - start, reset };
  const complete = text.slice(0, end);
  let lines = complete.split("\n").filter((line) => line.trim() !== "");
  const truncated = lines.length > options.limit || start + length < size;
  if (lines.length > options.limit) lines = lines.slice(0, options.limit);
  // The cursor moves past exactly the lines returned, so nothing is skipped or repeated.
  const consumed =
    lines.length === 0
      ? 0
      : Buffer.byteLength(complete.split("\n").slice(0, indexAfter(complete, lines.length)).join("\n")) + 1;
  return { cursor: start + consumed, size, lines, truncated, reset };
}

/** How many raw lines (blank ones included) hold the first `count` non-blank lines. */
function indexAfter(text: string, count: number): number {
  const raw = text.split("\n");
  let seen = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i]!.trim() !== "") seen++;
    if (seen === count) return i + 1;
  }
  return raw.length;
}
