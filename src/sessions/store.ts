/**
 * The session index, `<agents>/<agentId>/sessions/sessions.json`: session key → id, timestamps, model,
 * token counts. Written atomically with a backup; a corrupt index is restored from the backup and set
 * aside, never emptied.
 * @module
 */
import { randomUUID } from "node:crypto";
import { copyFileSync, existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { atomicWriteFile } from "../config/fs-safe.js";

export interface SessionEntry {
  sessionId: string;
  createdAt: number;
  updatedAt: number;
  model?: string;
  modelProvider?: string;
  thinkingLevel?: string;
  label?: string;
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
}

export const MAIN_SESSION = "main";

/** `agent:<id>:main`, `main` and `agent:<id>:<name>` all name sessions of one agent by their last part. */
export function normalizeSessionKey(key: string | undefined, agentId: string): string {
  if (!key) return MAIN_SESSION;
  const prefix = `agent:${agentId}:`;
  const short = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  if (!/^[\w.:-]{1,200}$/.test(short))
    throw new Error(`invalid session key ${JSON.stringify(key)}: letters, digits, . _ : - only`);
  return short;
}

export class SessionStore {
  readonly dir: string;
  readonly indexPath: string;
  #index: Record<string, SessionEntry> | undefined;

  constructor(
    agentsDir: string,
    readonly agentId: string,
  ) {
    this.dir = join(agentsDir, agentId, "sessions");
    this.indexPath = join(this.dir, "sessions.json");
  }

  transcriptPath(sessionId: string): string {
    return join(this.dir, `${sessionId}.jsonl`);
  }

  /** The index, read once; a corrupt file falls back to the backup and is kept as `.corrupt-<time>`. */
  index(): Record<string, SessionEntry> {
    if (this.#index) return this.#index;
    const read = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Record<string, SessionEntry>;
    if (!existsSync(this.indexPath)) return (this.#index = {});
    try {
      this.#index = read(this.indexPath);
    } catch {
      renameSync(this.indexPath, `${this.indexPath}.corrupt-${Date.now()}`);
      try {
        this.#index = read(`${this.indexPath}.bak`);
      } catch {
        this.#index = {};
      }
      this.#save();
    }
    return this.#index!;
  }

  get(key: string): SessionEntry | undefined {
    return this.index()[key];
  }

  /** The session for a key, created (with a fresh id, or `main` for the main key) when missing. */
  ensure(key: string, sessionId?: string): SessionEntry {
    const existing = this.get(key);
    if (existing) return existing;
    const now = Date.now();
    const entry: SessionEntry = {
      sessionId: sessionId ?? (key === MAIN_SESSION ? MAIN_SESSION : randomUUID()),
      createdAt: now,
      updatedAt: now,
    };
    this.index()[key] = entry;
    this.#save();
    return entry;
  }

  patch(key: string, patch: Partial<SessionEntry>): SessionEntry | undefined {
    const entry = this.get(key);
    if (!entry) return undefined;
    Object.assign(entry, patch, { updatedAt: Date.now() });
    this.#save();
    return entry;
  }

  remove(key: string): SessionEntry | undefined {
    const entry = this.get(key);
    if (!entry) return undefined;
    delete this.index()[key];
    this.#save();
    return entry;
  }

  list(): { key: string; entry: SessionEntry }[] {
    return Object.entries(this.index())
      .map(([key, entry]) => ({ key, entry }))
      .toSorted((a, b) => b.entry.updatedAt - a.entry.updatedAt);
  }

  #save(): void {
    if (existsSync(this.indexPath)) copyFileSync(this.indexPath, `${this.indexPath}.bak`);
    atomicWriteFile(this.indexPath, `${JSON.stringify(this.#index ?? {}, null, 2)}\n`);
  }
}
