/** The connected clients, presence, and broadcasting with a per-connection `seq`. @module */
import { hostname } from "node:os";
import type { GatewayEvent } from "../protocol/methods.js";

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

/** What the registry needs of a connection. */
export interface RegisteredClient {
  readonly id: string;
  readonly authenticated: boolean;
  presence(): PresenceEntry | undefined;
  sendEvent(
    event: GatewayEvent,
    payload: unknown,
    options?: { dropIfSlow?: boolean; stateVersion?: { presence: number; health: number } },
  ): void;
}

export class ClientRegistry {
  readonly #clients = new Map<string, RegisteredClient>();
  #presenceVersion = 0;
  #healthVersion = 0;
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

  presence(): PresenceEntry[] {
    const entries = [this.#self()];
    for (const client of this.#clients.values()) {
      const entry = client.authenticated ? client.presence() : undefined;
      if (entry) entries.push(entry);
    }
    return entries;
  }

  /** Announces a change of who is connected. */
  presenceChanged(): void {
    this.#presenceVersion++;
    this.broadcast("presence", { presence: this.presence() }, { stateVersion: this.stateVersion() });
  }

  healthChanged(payload: unknown): void {
    this.#healthVersion++;
    this.broadcast("health", payload, { stateVersion: this.stateVersion(), dropIfSlow: true });
  }

  /** Sends to every authenticated client. */
  broadcast(
    event: GatewayEvent,
    payload: unknown,
    options: { dropIfSlow?: boolean; stateVersion?: { presence: number; health: number } } = {},
  ): void {
    for (const client of this.#clients.values()) if (client.authenticated) client.sendEvent(event, payload, options);
  }
}
