/**
 * The connected clients, presence, and broadcasting. As upstream, `seq` is one per-server counter of
 * broadcasts (targeted events carry none), so a broadcast frame is built once and the same bytes go to
 * every client: with a thousand clients, a presence event costs one copy, not a thousand.
 * @module
 */
import { hostname } from "node:os";
import { hasScope, type GatewayEvent, type OperatorScope } from "../protocol/methods.js";

export interface PresenceEntry {
  host?: string;
  ip?: string;
  version?: string;
  platform?: string;
  deviceFamily?: string;
  mode?: string;
  reason?: string;
  text?: string;
  ts: number;
  instanceId?: string;
  roles?: string[];
  scopes?: string[];
}

/** Presence lists are bounded: the newest entries are kept. */
export const MAX_PRESENCE_ENTRIES = 200;
/** Presence events carry fewer entries: they go to every client at once. */
export const MAX_PRESENCE_EVENT_ENTRIES = 64;
/** Presence changes in a burst (a reconnect storm) go out as one event. */
export const PRESENCE_COALESCE_MS = 250;

export interface EventOptions {
  dropIfSlow?: boolean;
  /** Only clients granted this scope receive the event (pairing requests name devices and addresses). */
  scope?: OperatorScope;
  stateVersion?: { presence: number; health: number };
}

/** What the registry needs of a connection. */
export interface RegisteredClient {
  readonly id: string;
  readonly authenticated: boolean;
  readonly role: string;
  readonly protocol: number;
  readonly scopes: readonly string[];
  presence(): PresenceEntry | undefined;
  /** Sends a complete event frame, already encoded (the same buffer goes to every client). */
  sendEncodedEvent(frame: Buffer, dropIfSlow: boolean): void;
}

export class ClientRegistry {
  readonly #clients = new Map<string, RegisteredClient>();
  #presenceVersion = 0;
  #seq = 0;
  #healthVersion = 0;
  #presenceTimer: NodeJS.Timeout | undefined;
  readonly #self: () => PresenceEntry;

  constructor(self: { version: string; ip?: string }) {
    const host = hostname();
    this.#self = () => ({
      host,
      ...(self.ip ? { ip: self.ip } : {}),
      version: self.version,
      platform: process.platform,
      mode: "gateway",
      reason: "self",
      text: `Gateway ${host}`,
      ts: Date.now(),
    });
  }

  get size(): number {
    return this.#clients.size;
  }

  all(): RegisteredClient[] {
    return [...this.#clients.values()];
  }

  add(client: RegisteredClient): void {
    this.#clients.set(client.id, client);
  }

  remove(id: string): boolean {
    return this.#clients.delete(id);
  }

  stateVersion(): { presence: number; health: number } {
    return { presence: this.#presenceVersion, health: this.#healthVersion };
  }

  /** The gateway itself first, then the newest authenticated clients (probes are transient and left out). */
  presence(limit = MAX_PRESENCE_ENTRIES): PresenceEntry[] {
    const entries: PresenceEntry[] = [];
    for (const client of this.#clients.values()) {
      const entry = client.authenticated ? client.presence() : undefined;
      if (entry && entry.mode !== "probe") entries.push(entry);
    }
    return [this.#self(), ...entries.slice(-(limit - 1))];
  }

  /** Announces a change of who is connected, coalescing bursts into one event. */
  presenceChanged(): void {
    this.#presenceVersion++;
    if (this.#presenceTimer) return;
    this.#presenceTimer = setTimeout(() => {
      this.#presenceTimer = undefined;
      this.broadcast(
        "presence",
        { presence: this.presence(MAX_PRESENCE_EVENT_ENTRIES) },
        { stateVersion: this.stateVersion() },
      );
    }, PRESENCE_COALESCE_MS);
    this.#presenceTimer.unref();
  }

  healthChanged(payload: unknown): void {
    this.#healthVersion++;
    this.broadcast("health", payload, { stateVersion: this.stateVersion(), dropIfSlow: true });
  }

  /** Sends to every authenticated client; the frame is serialised and encoded once. */
  broadcast(event: GatewayEvent, payload: unknown, options: EventOptions = {}): void {
    const version = options.stateVersion ? `,"stateVersion":${JSON.stringify(options.stateVersion)}` : "";
    const frame = Buffer.from(
      `{"type":"event","event":${JSON.stringify(event)},"payload":${JSON.stringify(payload)},"seq":${++this.#seq}${version}}`,
    );
    for (const client of this.#clients.values())
      if (client.authenticated && (!options.scope || hasScope(client.scopes, options.scope)))
        client.sendEncodedEvent(frame, options.dropIfSlow === true);
  }

  stop(): void {
    clearTimeout(this.#presenceTimer);
    this.#presenceTimer = undefined;
  }
}
