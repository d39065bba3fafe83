/**
 * The one place that decides the gateway's port, bind mode and auth from flags, environment and
 * config (flag > env > config > default), and whether a bind is allowed. `gateway run`, `gateway
 * status`, the clients and the service installer all call it.
 * @module
 */
import type { OpenClawConfig } from "./schema.js";
import type { Env, StatePaths } from "./paths.js";

export const BIND_MODE_NAMES = ["loopback", "lan", "tailnet", "custom", "auto"] as const;
export type BindMode = (typeof BIND_MODE_NAMES)[number];
export const GATEWAY_AUTH_MODES = ["token", "password", "none"] as const;
export type GatewayAuthMode = (typeof GATEWAY_AUTH_MODES)[number];
export type SettingSource = "flag" | "env" | "config" | "default";

export interface GatewayFlags {
  readonly port?: string | undefined;
  readonly bind?: string | undefined;
  readonly auth?: string | undefined;
  readonly token?: string | undefined;
  readonly password?: string | undefined;
}

export interface GatewayAuthSettings {
  readonly mode: GatewayAuthMode;
  readonly modeSource: SettingSource;
  readonly token?: string | undefined;
  readonly tokenSource?: SettingSource | undefined;
  readonly password?: string | undefined;
  readonly passwordSource?: SettingSource | undefined;
}

export interface GatewaySettings {
  readonly port: number;
  readonly portSource: SettingSource;
  readonly bind: BindMode;
  readonly bindSource: SettingSource;
  readonly customBind?: string | undefined;
  readonly auth: GatewayAuthSettings;
  /** Tailscale Serve/Funnel in front of a loopback gateway, and whether Serve identities are trusted. */
  readonly tailscale: { mode: "off" | "serve" | "funnel"; resetOnExit: boolean; allowIdentity: boolean };
  /** HTTPS/WSS on the gateway port, when both files are given. */
  readonly tls?: { certPath: string; keyPath: string } | undefined;
}

/** A setting that can never work: exit 78 (config/env) or 2 (flag) with the fix. */
export class GatewaySettingsError extends Error {
  override name = "GatewaySettingsError";
  constructor(
    message: string,
    readonly fix: string,
    readonly source: SettingSource = "config",
  ) {
    super(message);
  }
}

/** Parses a port, accepting `host:port` and `[v6]:port` forms from the environment. */
export function parsePort(raw: string, source: SettingSource): number {
  const text = raw.trim();
  const match = /^(?:\[[^\]]+\]:|[^:[\]]+:)?(\d{1,5})$/.exec(text);
  const port = match ? Number(match[1]) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    const where = source === "flag" ? "--port" : source === "env" ? "OPENCLAW_GATEWAY_PORT" : "gateway.port";
    throw new GatewaySettingsError(
      `Invalid port ${JSON.stringify(raw)} in ${where}: use a number from 1 to 65535`,
      `Example: ${where === "--port" ? "--port 18789" : where === "gateway.port" ? "openclaw config set gateway.port 18789" : "OPENCLAW_GATEWAY_PORT=18789"}`,
      source,
    );
  }
  return port;
}

function parseBind(raw: string, source: SettingSource): BindMode {
  if ((BIND_MODE_NAMES as readonly string[]).includes(raw)) return raw as BindMode;
  const where = source === "flag" ? "--bind" : "OPENCLAW_GATEWAY_BIND";
  throw new GatewaySettingsError(
    `Invalid ${where} ${JSON.stringify(raw)}`,
    `Use one of: ${BIND_MODE_NAMES.join(", ")}`,
    source,
  );
}

function pick(
  flag: string | undefined,
  env: string | undefined,
  config: string | undefined,
): [string | undefined, SettingSource | undefined] {
  if (flag !== undefined && flag !== "") return [flag, "flag"];
  if (env !== undefined && env !== "") return [env, "env"];
  if (config !== undefined && config !== "") return [config, "config"];
  return [undefined, undefined];
}

/** Resolves port, bind and auth. Pure: everything comes in as arguments. */
export function resolveGatewaySettings(input: {
  flags?: GatewayFlags;
  env: Env;
  config: OpenClawConfig;
  paths: Pick<StatePaths, "defaultPort">;
}): GatewaySettings {
  const flags = input.flags ?? {};
  const gateway = input.config.gateway ?? {};

  let port = input.paths.defaultPort;
  let portSource: SettingSource = "default";
  if (flags.port !== undefined) [port, portSource] = [parsePort(flags.port, "flag"), "flag"];
  else if (input.env.OPENCLAW_GATEWAY_PORT?.trim())
    [port, portSource] = [parsePort(input.env.OPENCLAW_GATEWAY_PORT, "env"), "env"];
  else if (gateway.port !== undefined) [port, portSource] = [gateway.port, "config"];

  let bind: BindMode = "loopback";
  let bindSource: SettingSource = "default";
  if (flags.bind !== undefined) [bind, bindSource] = [parseBind(flags.bind, "flag"), "flag"];
  else if (input.env.OPENCLAW_GATEWAY_BIND?.trim())
    [bind, bindSource] = [parseBind(input.env.OPENCLAW_GATEWAY_BIND.trim(), "env"), "env"];
  else if (gateway.bind !== undefined) [bind, bindSource] = [gateway.bind, "config"];

  const [token, tokenSource] = pick(flags.token, input.env.OPENCLAW_GATEWAY_TOKEN, gateway.auth?.token);
  const [password, passwordSource] = pick(flags.password, input.env.OPENCLAW_GATEWAY_PASSWORD, gateway.auth?.password);

  let mode: GatewayAuthMode;
  let modeSource: SettingSource;
  if (flags.auth !== undefined) {
    if (!(GATEWAY_AUTH_MODES as readonly string[]).includes(flags.auth)) {
      throw new GatewaySettingsError(
        `Invalid --auth ${JSON.stringify(flags.auth)}`,
        `Use one of: ${GATEWAY_AUTH_MODES.join(", ")}`,
        "flag",
      );
    }
    [mode, modeSource] = [flags.auth as GatewayAuthMode, "flag"];
  } else if (gateway.auth?.mode !== undefined) {
    if (gateway.auth.mode === "trusted-proxy") {
      throw new GatewaySettingsError(
        "gateway.auth.mode trusted-proxy is not supported by this gateway yet",
        "Use token or password: openclaw config set gateway.auth.mode token",
      );
    }
    [mode, modeSource] = [gateway.auth.mode, "config"];
  } else if (password !== undefined && token === undefined) {
    [mode, modeSource] = ["password", "default"];
  } else {
    [mode, modeSource] = ["token", "default"];
  }

  const tailscaleMode = gateway.tailscale?.mode ?? "off";
  const tls = gateway.tls;
  const wantsTls =
    tls !== undefined && (tls.enabled === true || (tls.enabled !== false && Boolean(tls.certPath || tls.keyPath)));
  if (wantsTls && !(tls.certPath && tls.keyPath))
    throw new GatewaySettingsError(
      `gateway.tls needs both certPath and keyPath${tls.autoGenerate ? " (autoGenerate is not supported: bring a certificate, e.g. from openssl req -x509 or tailscale cert)" : ""}`,
      'Set both: openclaw config set gateway.tls \'{certPath:"/path/cert.pem",keyPath:"/path/key.pem"}\'',
    );
  return {
    port,
    portSource,
    bind,
    bindSource,
    customBind: gateway.customBind ?? gateway.customBindHost,
    auth: { mode, modeSource, token, tokenSource, password, passwordSource },
    tailscale: {
      mode: tailscaleMode,
      resetOnExit: gateway.tailscale?.resetOnExit === true,
      // Upstream's default: trusted with Serve unless the operator chose password auth.
      allowIdentity: gateway.auth?.allowTailscale ?? (tailscaleMode === "serve" && mode !== "password"),
    },
    tls: wantsTls ? { certPath: tls.certPath!, keyPath: tls.keyPath! } : undefined,
  };
}

/**
 * The one rule for whether the gateway may listen: anything beyond loopback needs a token or a
 * password, and auth `none` is for loopback only. `loopbackOnly` is whether every resolved address is a
 * loopback address.
 */
export function checkBindAllowed(settings: GatewaySettings, loopbackOnly: boolean): void {
  const { auth } = settings;
  if (auth.mode === "password" && !auth.password) {
    throw new GatewaySettingsError(
      "gateway.auth.mode is password but no password is set",
      "Set one: openclaw config set gateway.auth.password <password> (or OPENCLAW_GATEWAY_PASSWORD in the state dir's .env)",
    );
  }
  // Tailscale proxies to the loopback port; Funnel opens it to the internet, so a password guards it.
  if (settings.tailscale.mode !== "off" && (settings.bind !== "loopback" || !loopbackOnly))
    throw new GatewaySettingsError(
      `gateway.tailscale.mode ${settings.tailscale.mode} needs bind loopback (Tailscale proxies to 127.0.0.1)`,
      "Fix: openclaw config set gateway.bind loopback",
    );
  if (settings.tailscale.mode === "funnel" && !(auth.mode === "password" && auth.password))
    throw new GatewaySettingsError(
      "gateway.tailscale.mode funnel makes the gateway public and needs password auth",
      "Fix: openclaw config set gateway.auth.mode password and openclaw config set gateway.auth.password <a long password>",
    );
  if (loopbackOnly) return;
  const hasSecret =
    (auth.mode === "token" && Boolean(auth.token)) || (auth.mode === "password" && Boolean(auth.password));
  if (!hasSecret) {
    throw new GatewaySettingsError(
      `refusing to bind ${settings.bind} without auth`,
      `Fix: openclaw config set gateway.auth.mode token (a token is generated at the next start), or run with --bind loopback`,
    );
  }
}
