/**
 * Method families, loaded on first use. Each family module exports `handlers`; a method advertised here
 * but missing from its family fails loudly.
 * @module
 */
import type { ConnectionInfo } from "../connection.js";
import type { GatewayRuntime } from "../runtime.js";

export interface MethodContext {
  readonly runtime: GatewayRuntime;
  readonly connection: ConnectionInfo;
  readonly params: unknown;
  /** Sends a second response with the same id when `result` settles (the `agent` method's final answer). */
  readonly followUp: (result: Promise<unknown>) => void;
}

export type MethodHandler = (ctx: MethodContext) => unknown;
type Family = () => Promise<Readonly<Record<string, MethodHandler>>>;

function lazy(load: () => Promise<{ handlers: Readonly<Record<string, MethodHandler>> }>): Family {
  let cached: Promise<Readonly<Record<string, MethodHandler>>> | undefined;
  return () => (cached ??= load().then((m) => m.handlers));
}

const system = lazy(() => import("./system.js"));
const config = lazy(() => import("./config.js"));
const logs = lazy(() => import("./logs.js"));
const agent = lazy(() => import("./agent.js"));
const channels = lazy(() => import("./channels.js"));
const devices = lazy(() => import("./devices.js"));
const browser = lazy(() => import("./browser.js"));

/** Every implemented method and its family; `hello-ok.features.methods` is exactly this list. */
const METHODS: Readonly<Record<string, Family>> = {
  health: system,
  status: system,
  "system-presence": system,
  metrics: system,
  "models.list": system,
  "node.pluginSurface.refresh": system,
  "config.get": config,
  "config.set": config,
  "config.patch": config,
  "config.apply": config,
  "config.schema": config,
  "logs.tail": logs,
  agent,
  "agent.wait": agent,
  "chat.send": agent,
  "chat.history": agent,
  "chat.startup": agent,
  "sessions.messages.subscribe": agent,
  "sessions.messages.unsubscribe": agent,
  "chat.abort": agent,
  "sessions.list": agent,
  "sessions.patch": agent,
  "sessions.reset": agent,
  "sessions.delete": agent,
  "channels.status": channels,
  "channels.start": channels,
  "channels.stop": channels,
  "channels.logout": channels,
  "web.login.start": channels,
  "web.login.wait": channels,
  send: channels,
  "device.pair.list": devices,
  "device.pair.approve": devices,
  "device.pair.reject": devices,
  "device.pair.remove": devices,
  "device.token.rotate": devices,
  "device.token.revoke": devices,
  "browser.request": browser,
};

export const METHOD_NAMES: readonly string[] = Object.keys(METHODS);

/** The loader of a method's handler, or undefined for an unknown method. */
export function findMethod(name: string): (() => Promise<MethodHandler>) | undefined {
  if (!Object.prototype.hasOwnProperty.call(METHODS, name)) return undefined;
  const family = METHODS[name]!;
  return async () => {
    const handler = (await family())[name];
    if (!handler) throw new Error(`method ${name} is advertised but its family does not implement it`);
    return handler;
  };
}
