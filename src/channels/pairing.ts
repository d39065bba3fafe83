/**
 * DM pairing, in the file layout of upstream's file-based releases: pending requests in
 * `credentials/<channel>-pairing.json`, approved senders in `credentials/<channel>-allowFrom.json`
 * (`<channel>-<accountId>-allowFrom.json` for other accounts). Files are 0600 and written atomically;
 * the gateway and `openclaw pairing approve` both read them fresh, so an approval needs no restart.
 * @module
 */
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { atomicWriteFile, isNotFound } from "../files/fs-safe.js";

/** Upstream's alphabet: no 0, O, 1 or I. */
export const PAIRING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
export const PAIRING_CODE_LENGTH = 8;
export const PAIRING_TTL_MS = 60 * 60_000;
export const MAX_PENDING_PER_ACCOUNT = 3;

export interface PairingRequest {
  /** The sender's id on the channel. */
  readonly id: string;
  readonly code: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly meta: Readonly<Record<string, string>> & { readonly accountId: string };
}

export class PairingFileError extends Error {
  override name = "PairingFileError";
}

export function generatePairingCode(taken: ReadonlySet<string> = new Set()): string {
  for (;;) {
    let code = "";
    for (let i = 0; i < PAIRING_CODE_LENGTH; i++) code += PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)];
    if (!taken.has(code)) return code;
  }
}

function readJson<T>(path: string, fallback: T, check: (value: unknown) => T | undefined): T {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (isNotFound(error)) return fallback;
    throw new PairingFileError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const value = check(JSON.parse(text));
    if (value !== undefined) return value;
  } catch {
    // reported below
  }
  throw new PairingFileError(`${path} is not a pairing file this version understands; fix or remove it`);
}

export class PairingStore {
  readonly #dir: string;
  readonly #channel: string;
  readonly #now: () => number;

  constructor(credentialsDir: string, channel: string, now: () => number = Date.now) {
    this.#dir = credentialsDir;
    this.#channel = channel;
    this.#now = now;
  }

  get requestsPath(): string {
    return join(this.#dir, `${this.#channel}-pairing.json`);
  }

  allowPath(accountId: string): string {
    return join(
      this.#dir,
      accountId === "default" ? `${this.#channel}-allowFrom.json` : `${this.#channel}-${accountId}-allowFrom.json`,
    );
  }

  /** Pending requests that have not expired, optionally of one account. */
  list(accountId?: string): PairingRequest[] {
    const live = this.#live();
    return accountId === undefined ? live : live.filter((r) => r.meta.accountId === accountId);
  }

  /** Senders approved by pairing for an account (DMs only). */
  allowed(accountId: string): string[] {
    return readJson(this.allowPath(accountId), [] as string[], (value) => {
      const list = Array.isArray(value) ? value : (value as { allowFrom?: unknown })?.allowFrom;
      return Array.isArray(list) ? list.map(String) : undefined;
    });
  }

  /**
   * An unknown sender wrote: a new request with a code (`created`), the same pending one (no new reply),
   * or none because the account already has the maximum pending.
   */
  request(
    accountId: string,
    senderId: string,
    meta: Record<string, string>,
  ): { outcome: "created" | "pending" | "full"; code?: string } {
    const now = new Date(this.#now()).toISOString();
    const live = this.#live();
    const existing = live.find((r) => r.id === senderId && r.meta.accountId === accountId);
    if (existing) {
      this.#write(live.map((r) => (r === existing ? { ...r, lastSeenAt: now } : r)));
      return { outcome: "pending", code: existing.code };
    }
    if (live.filter((r) => r.meta.accountId === accountId).length >= MAX_PENDING_PER_ACCOUNT)
      return { outcome: "full" };
    const code = generatePairingCode(new Set(live.map((r) => r.code)));
    this.#write([...live, { id: senderId, code, createdAt: now, lastSeenAt: now, meta: { ...meta, accountId } }]);
    return { outcome: "created", code };
  }

  /** Approves a pending code: the sender joins the account's allow list and the request goes. */
  approve(code: string, accountId?: string): PairingRequest | undefined {
    const wanted = code.trim().toUpperCase();
    const live = this.#live();
    const found = live.find((r) => r.code === wanted && (accountId === undefined || r.meta.accountId === accountId));
    if (!found) return undefined;
    const allowed = this.allowed(found.meta.accountId);
    if (!allowed.includes(found.id))
      atomicWriteFile(
        this.allowPath(found.meta.accountId),
        `${JSON.stringify({ version: 1, allowFrom: [...allowed, found.id] }, null, 2)}\n`,
      );
    this.#write(live.filter((r) => r !== found));
    return found;
  }

  #live(): PairingRequest[] {
    const all = readJson(this.requestsPath, [] as PairingRequest[], (value) => {
      const requests = (value as { requests?: unknown })?.requests;
      return Array.isArray(requests) ? (requests as PairingRequest[]) : undefined;
    });
    const cutoff = this.#now() - PAIRING_TTL_MS;
    return all
      .filter((r) => typeof r?.code === "string" && typeof r.id === "string")
      .map((r) => ({ ...r, meta: { ...r.meta, accountId: r.meta?.accountId ?? "default" } }))
      .filter((r) => Date.parse(r.createdAt) > cutoff);
  }

  #write(requests: PairingRequest[]): void {
    atomicWriteFile(this.requestsPath, `${JSON.stringify({ version: 1, requests }, null, 2)}\n`);
  }
}
