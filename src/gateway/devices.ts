/**
 * Paired devices and pending pairing requests, as files in `<state>/devices/` (`paired.json`,
 * `pending.json`; 0600, written atomically, read fresh on every use so `openclaw devices` and the gateway
 * agree). Device tokens are random 32-byte values handed out once; only their SHA-256 is kept.
 * @module
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { atomicWriteFile, isNotFound } from "../files/fs-safe.js";

export const PENDING_TTL_MS = 60 * 60_000;
export const MAX_PENDING = 100;

export interface DeviceInfo {
  readonly deviceId: string;
  readonly publicKey: string;
  readonly clientId: string;
  readonly clientMode: string;
  readonly platform?: string | undefined;
  readonly role: string;
  readonly scopes: readonly string[];
  readonly remoteIp?: string | undefined;
}

export type PairingReason = "not-paired" | "scope-upgrade" | "role-upgrade";

export interface PendingDevice extends DeviceInfo {
  readonly requestId: string;
  readonly createdAtMs: number;
  /** Upstream's reasons: a new device, or a paired one asking for more than it was approved for. */
  readonly reason: PairingReason;
}

export interface PairedDevice extends DeviceInfo {
  readonly createdAtMs: number;
  readonly approvedAtMs: number;
  /** Per role: the hash of the device token and when it was issued. */
  readonly tokens: Readonly<Record<string, { hash: string; issuedAtMs: number }>>;
}

const hash = (token: string) => createHash("sha256").update(token).digest("hex");

function read<T>(path: string): T[] {
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as unknown;
    return Array.isArray(value) ? (value as T[]) : [];
  } catch (error) {
    if (isNotFound(error)) return [];
    throw new Error(`${path} is not readable (${(error as Error).message}); fix or remove it`, { cause: error });
  }
}

export class DeviceStore {
  readonly #dir: string;
  readonly #now: () => number;

  constructor(stateDir: string, now: () => number = Date.now) {
    this.#dir = join(stateDir, "devices");
    this.#now = now;
  }

  #paths() {
    return { paired: join(this.#dir, "paired.json"), pending: join(this.#dir, "pending.json") };
  }

  paired(): PairedDevice[] {
    return read<PairedDevice>(this.#paths().paired);
  }

  /** Requests not yet answered and not older than an hour. */
  pending(): PendingDevice[] {
    const cutoff = this.#now() - PENDING_TTL_MS;
    return read<PendingDevice>(this.#paths().pending).filter((r) => r.createdAtMs > cutoff);
  }

  find(deviceId: string): PairedDevice | undefined {
    return this.paired().find((d) => d.deviceId === deviceId);
  }

  /** A pairing request for this device: the existing one, or a new one (at most `MAX_PENDING` wait). */
  request(info: DeviceInfo, reason: PairingReason = "not-paired"): PendingDevice | undefined {
    const pending = this.pending();
    const existing = pending.find((r) => r.deviceId === info.deviceId);
    if (existing && existing.role === info.role && info.scopes.every((s) => existing.scopes.includes(s)))
      return existing;
    const others = pending.filter((r) => r !== existing);
    if (others.length >= MAX_PENDING) return undefined;
    // A device asking for more while it waits: one request for all of it, so one approval covers it.
    const scopes = existing?.role === info.role ? [...new Set([...existing.scopes, ...info.scopes])] : [...info.scopes];
    const request: PendingDevice = { ...info, scopes, requestId: randomUUID(), createdAtMs: this.#now(), reason };
    this.#writePending([...others, request]);
    return request;
  }

  /** Pairs a device directly (a trusted local client) and issues its token for the role. */
  pair(info: DeviceInfo): { device: PairedDevice; token: string } {
    const token = randomBytes(32).toString("base64url");
    const device = this.#pairWith(info, { hash: hash(token), issuedAtMs: this.#now() });
    return { device, token };
  }

  /**
   * Pairs the device behind a request. No token is issued here: only hashes are kept, so the token is
   * handed to the device itself at its next connect rather than to the operator who approved it.
   */
  approve(requestId: string): PairedDevice | undefined {
    const request = this.pending().find((r) => r.requestId === requestId);
    if (!request) return undefined;
    const { requestId: _id, createdAtMs: _at, reason: _reason, ...info } = request;
    return this.#pairWith(info, undefined);
  }

  #pairWith(info: DeviceInfo, token: { hash: string; issuedAtMs: number } | undefined): PairedDevice {
    const now = this.#now();
    const previous = this.find(info.deviceId);
    const { [info.role]: _old, ...others } = previous?.tokens ?? {};
    const device: PairedDevice = {
      ...info,
      // Approving an upgrade adds to what was approved before; it never narrows it.
      scopes: [...new Set([...(previous?.role === info.role ? previous.scopes : []), ...info.scopes])],
      createdAtMs: previous?.createdAtMs ?? now,
      approvedAtMs: now,
      tokens: token ? { ...others, [info.role]: token } : others,
    };
    this.#writePaired([...this.paired().filter((d) => d.deviceId !== info.deviceId), device]);
    this.#writePending(this.pending().filter((r) => r.deviceId !== info.deviceId));
    return device;
  }

  reject(requestId: string): PendingDevice | undefined {
    const pending = this.pending();
    const request = pending.find((r) => r.requestId === requestId);
    if (request) this.#writePending(pending.filter((r) => r !== request));
    return request;
  }

  remove(deviceId: string): boolean {
    const paired = this.paired();
    const next = paired.filter((d) => d.deviceId !== deviceId);
    if (next.length === paired.length) return false;
    this.#writePaired(next);
    return true;
  }

  /** A new token for the role (the old one stops working). */
  rotate(deviceId: string, role: string): string | undefined {
    const device = this.find(deviceId);
    if (!device) return undefined;
    const token = randomBytes(32).toString("base64url");
    this.#replace({ ...device, tokens: { ...device.tokens, [role]: { hash: hash(token), issuedAtMs: this.#now() } } });
    return token;
  }

  revoke(deviceId: string, role: string): boolean {
    const device = this.find(deviceId);
    if (!device?.tokens[role]) return false;
    const { [role]: _gone, ...rest } = device.tokens;
    this.#replace({ ...device, tokens: rest });
    return true;
  }

  /** Whether `token` is the device's current token for `role` (constant time). */
  verifyToken(deviceId: string, role: string, token: string): boolean {
    const stored = this.find(deviceId)?.tokens[role]?.hash;
    if (!stored) return false;
    return timingSafeEqual(Buffer.from(stored, "hex"), Buffer.from(hash(token), "hex"));
  }

  /** The paired device whose current `role` token this is (upstream's UI sends it as an HTTP bearer). */
  deviceForToken(role: string, token: string): string | undefined {
    const presented = Buffer.from(hash(token), "hex");
    // Every stored hash is compared, so the time taken does not depend on where a match is.
    let found: string | undefined;
    for (const device of this.paired()) {
      const stored = device.tokens[role]?.hash;
      if (stored && timingSafeEqual(Buffer.from(stored, "hex"), presented)) found = device.deviceId;
    }
    return found;
  }

  #replace(device: PairedDevice): void {
    this.#writePaired(this.paired().map((d) => (d.deviceId === device.deviceId ? device : d)));
  }

  #writePaired(devices: PairedDevice[]): void {
    atomicWriteFile(this.#paths().paired, `${JSON.stringify(devices, null, 2)}\n`);
  }

  #writePending(requests: PendingDevice[]): void {
    atomicWriteFile(this.#paths().pending, `${JSON.stringify(requests, null, 2)}\n`);
  }
}
