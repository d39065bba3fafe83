/**
 * Session transcripts: one JSON object per line, appended with one write each and flushed, so a crash
 * loses at most the line being written. A torn last line is set aside into `<file>.corrupt` on load, and
 * a tool call left without its result gets a synthetic aborted result so the next model call is valid.
 * @module
 */
import { randomUUID } from "node:crypto";
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";

export const SESSION_VERSION = 3;
/** A transcript past this size is rotated to `<id>.<n>.jsonl` when its session next starts a turn. */
export const MAX_TRANSCRIPT_BYTES = 20 * 1024 * 1024;

export type ContentBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; thinkingSignature?: string }
  | { type: "toolCall"; id: string; name: string; arguments: Record<string, unknown> }
  /** An image the user attached (base64), as upstream's transcripts keep it. */
  | { type: "image"; data: string; mimeType: string };

export interface TranscriptMessage {
  role: "user" | "assistant" | "toolResult";
  content: ContentBlock[] | { type: "text"; text: string }[];
  timestamp: number;
  toolCallId?: string;
  toolName?: string;
  isError?: boolean;
  api?: string;
  provider?: string;
  model?: string;
  stopReason?: string;
  usage?: { input: number; output: number; cacheRead: number; cacheWrite: number; totalTokens: number };
  errorMessage?: string;
  /** On user messages from a chat channel: channel, account, chat type, sender and destination. */
  origin?: Readonly<Record<string, unknown>>;
}

export interface MessageEntry {
  type: "message";
  id: string;
  parentId: string | null;
  timestamp: string;
  /** Top-level copy of message.role: the seed's smoke script reads `.role` from the last line. */
  role: TranscriptMessage["role"];
  message: TranscriptMessage;
}

export interface HeaderEntry {
  type: "session";
  version: number;
  id: string;
  timestamp: string;
  cwd: string;
  /** The session key this transcript belongs to, so a lost index entry can be restored from the file. */
  sessionKey?: string;
}

export type TranscriptEntry = HeaderEntry | MessageEntry | { type: string; id?: string; [key: string]: unknown };

export interface LoadedTranscript {
  readonly entries: TranscriptEntry[];
  readonly messages: MessageEntry[];
  /** Lines that could not be parsed (moved to `.corrupt` when torn at the end). */
  readonly repaired: { tornBytes: number; skippedLines: number; abortedToolCalls: number };
}

/** Directories already made by this process: a turn's appends need not ask the file system again. */
const knownDirs = new Set<string>();

/**
 * Appends entries as whole lines with a single write, so a killed process leaves every earlier line
 * intact. `sync` also flushes the file to disk (and with it every line written before), off the event
 * loop: the reply does not wait for the disk, and a power cut in that millisecond costs at most the step
 * just written. The agent loop syncs at the end of each model step. `onFlushError` hears of a failed flush.
 */
export function appendEntries(
  file: string,
  entries: readonly TranscriptEntry[],
  sync = true,
  onFlushError?: (error: Error) => void,
): void {
  const dir = dirname(file);
  if (!knownDirs.has(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (knownDirs.size < 1024) knownDirs.add(dir);
  }
  let fd: number;
  try {
    fd = openSync(file, "a", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    knownDirs.delete(dir); // removed behind our back: make it again
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    fd = openSync(file, "a", 0o600);
  }
  try {
    writeSync(fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(""));
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (!sync) {
    closeSync(fd);
    return;
  }
  fsync(fd, (error) => {
    closeSync(fd);
    if (error) onFlushError?.(error);
  });
}

export function appendEntry(
  file: string,
  entry: TranscriptEntry,
  sync = true,
  onFlushError?: (error: Error) => void,
): void {
  appendEntries(file, [entry], sync, onFlushError);
}

export function createHeader(sessionId: string, cwd: string, sessionKey?: string): HeaderEntry {
  return {
    type: "session",
    version: SESSION_VERSION,
    id: sessionId,
    timestamp: new Date().toISOString(),
    cwd,
    ...(sessionKey ? { sessionKey } : {}),
  };
}

/** The header of a transcript (its first line, read up to 4 KiB), or undefined. */
export function readHeader(file: string): HeaderEntry | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const buffer = Buffer.alloc(4096);
    const text = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString("utf8");
    const header = JSON.parse(text.slice(0, text.indexOf("\n"))) as HeaderEntry;
    return header?.type === "session" ? header : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function messageEntry(message: TranscriptMessage, parentId: string | null): MessageEntry {
  return {
    type: "message",
    id: randomUUID().slice(0, 8),
    parentId,
    timestamp: new Date().toISOString(),
    role: message.role,
    message,
  };
}

/**
 * Reads a transcript, repairing what a crash can leave: a torn last line (cut off and kept in
 * `.corrupt`), unreadable lines in the middle (skipped), and tool calls without results (closed with a
 * synthetic aborted result, appended to the file). Only the one who is about to write (a run starting a
 * turn) may repair: a reader (`chat.history`, `sessions`) passes `repair: false`, because a run in progress
 * has a tool call without its result yet and may be in the middle of appending a line.
 */
export function loadTranscript(file: string, options: { repair?: boolean } = {}): LoadedTranscript {
  const repair = options.repair !== false;
  if (!existsSync(file))
    return { entries: [], messages: [], repaired: { tornBytes: 0, skippedLines: 0, abortedToolCalls: 0 } };
  let text = readFileSync(file, "utf8");
  let tornBytes = 0;
  if (text.length > 0 && !text.endsWith("\n") && !repair) text = text.slice(0, text.lastIndexOf("\n") + 1);
  if (text.length > 0 && !text.endsWith("\n")) {
    const cut = text.lastIndexOf("\n") + 1;
    const torn = text.slice(cut);
    appendFileSync(`${file}.corrupt`, `${torn}\n`, { mode: 0o600 });
    const fd = openSync(file, "r+");
    try {
      ftruncateSync(fd, Buffer.byteLength(text.slice(0, cut)));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    tornBytes = Buffer.byteLength(torn);
    text = text.slice(0, cut);
  }
  const entries: TranscriptEntry[] = [];
  let skippedLines = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      entries.push(JSON.parse(line) as TranscriptEntry);
    } catch {
      skippedLines++;
    }
  }
  let messages = entries.filter(
    (e): e is MessageEntry => e.type === "message" && typeof (e as MessageEntry).message === "object",
  );
  const dangling = repair ? danglingToolCalls(messages) : [];
  for (const call of dangling) {
    const entry = messageEntry(
      {
        role: "toolResult",
        toolCallId: call.id,
        toolName: call.name,
        content: [{ type: "text", text: "aborted: the run stopped before this tool finished" }],
        isError: true,
        timestamp: Date.now(),
      },
      messages.at(-1)?.id ?? null,
    );
    appendEntry(file, entry);
    entries.push(entry);
    messages = [...messages, entry];
  }
  return { entries, messages, repaired: { tornBytes, skippedLines, abortedToolCalls: dangling.length } };
}

function danglingToolCalls(messages: MessageEntry[]): { id: string; name: string }[] {
  const lastAssistant = messages.findLastIndex((m) => m.message.role === "assistant");
  if (lastAssistant < 0) return [];
  const calls = (messages[lastAssistant]!.message.content as ContentBlock[]).filter(
    (b): b is Extract<ContentBlock, { type: "toolCall" }> => b.type === "toolCall",
  );
  const answered = new Set(
    messages
      .slice(lastAssistant + 1)
      .filter((m) => m.message.role === "toolResult")
      .map((m) => m.message.toolCallId),
  );
  return calls.filter((c) => !answered.has(c.id)).map((c) => ({ id: c.id, name: c.name }));
}

/** Moves a transcript past its size cap aside (`<id>.1.jsonl` is the newest archive); returns the new name or undefined. */
export function rotateIfLarge(file: string, maxBytes = MAX_TRANSCRIPT_BYTES): string | undefined {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return undefined;
  }
  if (size <= maxBytes) return undefined;
  const base = file.replace(/\.jsonl$/, "");
  let n = 1;
  while (existsSync(`${base}.${n}.jsonl`) && n < 1000) n++;
  const archive = `${base}.${n}.jsonl`;
  renameSync(file, archive);
  return archive;
}
