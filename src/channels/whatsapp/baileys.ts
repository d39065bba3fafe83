/**
 * The WhatsApp adapter with its socket: Baileys (imported only when a WhatsApp account starts) over the
 * crash-safe auth store, with upstream's socket options. `OPENCLAW_WHATSAPP_WEB_SOCKET_URL` replaces the
 * WhatsApp Web URL as upstream's does; `OPENCLAW_WHATSAPP_SOCKET_MODULE` (an absolute path to a module
 * exporting `makeSocket`) replaces Baileys altogether, which is how the end-to-end tests drive a fake.
 * @module
 */
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import type { AdapterFactory } from "../contract.js";
import type { BaileysAuthLib } from "./auth-store.js";
import { createWhatsAppAdapter, type SocketFactory, type WaSocket } from "./adapter.js";

declare const __OPENCLAW_VERSION__: string | undefined;

/** Baileys logs through pino; ours takes its warnings and errors, nothing below. */
function quietLogger(log: { warn(msg: string, f?: object): void; error(msg: string, f?: object): void }): unknown {
  const logger: Record<string, unknown> = {
    level: "warn",
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: (obj: unknown, msg?: string) => log.warn(`baileys: ${msg ?? String(obj)}`),
    error: (obj: unknown, msg?: string) => log.error(`baileys: ${msg ?? String(obj)}`),
    fatal: (obj: unknown, msg?: string) => log.error(`baileys: ${msg ?? String(obj)}`),
  };
  logger.child = () => logger;
  return logger;
}

function baileysFactory(log: Parameters<typeof quietLogger>[0]): SocketFactory {
  return async (options) => {
    const lib = await import("baileys");
    const version = typeof __OPENCLAW_VERSION__ === "string" ? __OPENCLAW_VERSION__ : "dev";
    const sock = lib.makeWASocket({
      auth: options.auth as never,
      logger: quietLogger(log) as never,
      browser: ["openclaw", "cli", version],
      syncFullHistory: false,
      markOnlineOnConnect: false,
      keepAliveIntervalMs: 25_000,
      connectTimeoutMs: 60_000,
      defaultQueryTimeoutMs: 60_000,
      ...(options.webSocketUrl ? { waWebSocketUrl: options.webSocketUrl } : {}),
    });
    return sock as unknown as WaSocket;
  };
}

/** A module named by OPENCLAW_WHATSAPP_SOCKET_MODULE, for fakes. */
async function moduleFactory(path: string): Promise<SocketFactory> {
  if (!isAbsolute(path)) throw new Error(`OPENCLAW_WHATSAPP_SOCKET_MODULE must be an absolute path, not ${path}`);
  const loaded = (await import(pathToFileURL(path).href)) as { makeSocket?: SocketFactory };
  if (typeof loaded.makeSocket !== "function") throw new Error(`${path} does not export makeSocket`);
  return loaded.makeSocket;
}

/** What the auth store needs of Baileys (its JSON codec for buffers, fresh credentials, a protobuf type). */
async function authLib(): Promise<BaileysAuthLib> {
  const lib = await import("baileys");
  return {
    initAuthCreds: lib.initAuthCreds as unknown as () => Record<string, unknown>,
    BufferJSON: lib.BufferJSON,
    appStateSyncKey: (value) => lib.proto.Message.AppStateSyncKeyData.fromObject(value as object),
  };
}

export const createAdapter: AdapterFactory = (account, host) => {
  const module = typeof account.settings.socketModule === "string" ? account.settings.socketModule : undefined;
  let factory: Promise<SocketFactory> | undefined;
  const makeSocket: SocketFactory = async (options) =>
    (await (factory ??= module ? moduleFactory(module) : Promise.resolve(baileysFactory(host.log))))(options);
  return createWhatsAppAdapter(account, host, { makeSocket, authLib });
};
