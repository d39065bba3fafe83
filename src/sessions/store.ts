/**
 * The session index, `<agents>/<agentId>/sessions/sessions.json`: session key → id, timestamps, model,
 * token counts. Written atomically with a backup; a corrupt index is restored from the backup and set
 * aside, never emptied. The transcripts are the truth and the index is derived from them: a transcript
 * whose entry is missing (a crash before the index was written, a lost write) is found by its header's
 * session key and put back when the index is loaded.
 * @module
 */
import { randomUUID } from "node:crypto";
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { atomicWriteFile } from "../files/fs-safe.js";
import { readHeader } from "./transcript.js";

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
  /** For sessions fed by a chat channel: where the last message came from and where replies go. */
  channel?: string;
  lastChannel?: string;
  lastTo?: string;
  lastAccountId?: string;
  chatType?: string;
}

export const MAIN_SESSION = "main";

/** Stores with a write-behind pending, flushed when the process exits. */
const pendingStores = new Set<SessionStore>();
let exitHooked = false;
const WRITE_BEHIND_INTERVAL_MS = 100;

/** `agent:<id>:main`, `main` and `agent:<id>:<name>` all name sessions of one agent by their last part. */
export function normalizeSessionKey(key: string | undefined, agentId: string): string {
  if (!key) return MAIN_SESSION;
  const prefix = `agent:${agentId}:`;
  const short = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  if (!/^[\w.:-]{1,200}$/.test(short))
    throw new Error(`invalid session key ${JSON.stringify(key)}: letters, digits, . _ : - only`);
  return short;
}

/** A Control UI chat (`web-<id>`): its transcript is `web-<id>.jsonl`. */
const WEB_SESSION = /^web-[\w-]{1,64}$/;

export class SessionStore {
  readonly dir: string;
  readonly indexPath: string;
  #index: Record<string, SessionEntry> | undefined;
  #dirty = false;
  #scheduled: NodeJS.Immediate | NodeJS.Timeout | undefined;
  #lastWrite = -Infinity;
  #due = 0;

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
    let repaired = false;
    if (!existsSync(this.indexPath)) this.#index = {};
    else
      try {
        this.#index = read(this.indexPath);
      } catch {
        renameSync(this.indexPath, `${this.indexPath}.corrupt-${Date.now()}`);
        try {
          this.#index = read(`${this.indexPath}.bak`);
        } catch {
          this.#index = {};
        }
        repaired = true;
      }
    if (repaired) this.#save();
    // Adopted entries are written with the next change: a reader (the CLI) never writes the index.
    this.#adoptOrphans(this.#index!);
    return this.#index!;
  }

  /** Puts back the entries of live transcripts (`<id>.jsonl`, not archives) that the index lacks. */
  #adoptOrphans(index: Record<string, SessionEntry>): number {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return 0;
    }
    const known = new Set(Object.values(index).map((e) => e.sessionId));
    let adopted = 0;
    for (const name of names) {
      const id = /^([^.]+)\.jsonl$/.exec(name)?.[1];
      if (!id || known.has(id)) continue;
      const file = join(this.dir, name);
      const header = readHeader(file);
      const key = header?.sessionKey ?? (id === MAIN_SESSION ? MAIN_SESSION : undefined);
      if (!key || index[key]) continue;
      const updatedAt = statSync(file).mtimeMs;
      index[key] = { sessionId: id, createdAt: Date.parse(header?.timestamp ?? "") || updatedAt, updatedAt };
      adopted++;
    }
    return adopted;
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
      // The main session and the Control UI's chats are files named after their key (the seed's layout).
      sessionId: sessionId ?? (key === MAIN_SESSION || WEB_SESSION.test(key) ? key : randomUUID()),
      createdAt: now,
      updatedAt: now,
    };
    this.index()[key] = entry;
    // Not now, the turn is waiting: within one interval, usually together with the turn's end. Should the
    // entry be lost, the transcript's header brings it back (#adoptOrphans).
    this.#saveSoon(WRITE_BEHIND_INTERVAL_MS);
    return entry;
  }

  /**
   * `durable: false` for what changes with every turn (counters, model, timestamps): written behind,
   * once the current work of the event loop is done (so after the reply is sent), and not flushed to disk.
   */
  patch(key: string, patch: Partial<SessionEntry>, durable = true): SessionEntry | undefined {
    const entry = this.get(key);
    if (!entry) return undefined;
    Object.assign(entry, patch, { updatedAt: Date.now() });
    if (durable) this.#save();
    else this.#saveSoon();
    return entry;
  }

  remove(key: string): SessionEntry | undefined {
    const entry = this.get(key);
    if (!entry) return undefined;
    delete this.index()[key];
    this.#save();
    return entry;
  }

  /**
   * Removes a session from the index and sets its transcript aside as `<id>.<reason>-<time>.jsonl`: a
   * reset or a delete never destroys a conversation (and the archive is not adopted back).
   */
  archive(key: string, reason: "reset" | "deleted"): SessionEntry | undefined {
    const entry = this.get(key);
    if (!entry) return undefined;
    // The transcript first: were the index written first, a crash in between would let #adoptOrphans
    // bring the session back.
    const file = this.transcriptPath(entry.sessionId);
    if (existsSync(file)) renameSync(file, this.transcriptPath(`${entry.sessionId}.${reason}-${Date.now()}`));
    return this.remove(key);
  }

  list(): { key: string; entry: SessionEntry }[] {
    return Object.entries(this.index())
      .map(([key, entry]) => ({ key, entry }))
      .toSorted((a, b) => b.entry.updatedAt - a.entry.updatedAt);
  }

  /** Writes a pending write-behind now (also done for every store when the process exits). */
  flush(): void {
    if (this.#dirty) this.#save(false);
  }

  #saveSoon(atLeastMs = 0): void {
    this.#dirty = true;
    pendingStores.add(this);
    if (!exitHooked) {
      exitHooked = true;
      process.once("exit", () => {
        for (const store of pendingStores) store.flush();
      });
    }
    // Right after the current work when the index is quiet; under a stream of turns, one write per
    // interval, so rewriting a large index does not slow every turn.
    const now = performance.now();
    const due = now + Math.max(atLeastMs, this.#lastWrite + WRITE_BEHIND_INTERVAL_MS - now);
    // A write already due as soon as this one stays; a later one is brought forward.
    if (this.#scheduled && this.#due <= due) return;
    if (this.#scheduled) clearTimeout(this.#scheduled as NodeJS.Timeout);
    const write = () => {
      this.#scheduled = undefined;
      try {
        this.flush();
      } catch (error) {
        // Still dirty: the next change or the exit tries again. A full disk must not crash the gateway.
        process.emitWarning(`could not write ${this.indexPath}: ${(error as Error).message}`);
      }
    };
    this.#due = due;
    // The timer does not hold the process open: the exit hook writes what is pending.
    this.#scheduled = due > now ? setTimeout(write, due - now).unref() : setImmediate(write);
  }

  /**
   * Always atomic (a reader sees the old or the new index). Durable writes are also flushed to disk;
   * the others may be undone by a power cut, which costs the last counters, never a session.
   */
  #save(durable = true): void {
    if (existsSync(this.indexPath)) copyFileSync(this.indexPath, `${this.indexPath}.bak`);
    atomicWriteFile(this.indexPath, `${JSON.stringify(this.#index ?? {}, null, 2)}\n`, undefined, durable);
    this.#dirty = false;
    this.#lastWrite = performance.now();
    pendingStores.delete(this);
  }
}
