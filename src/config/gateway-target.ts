/**
 * Which gateway a client talks to, and with which credentials:
 * URL `--url` > `OPENCLAW_GATEWAY_URL` > `gateway.remote.url` (when gateway.mode is remote) > the local
 * gateway; credentials `--token`/`--password` > `OPENCLAW_GATEWAY_TOKEN`/`_PASSWORD` > `gateway.auth.*`
 * (local) or `gateway.remote.*` (remote). Plain ws:// only to loopback and Tailscale addresses.
 * @module
 */
import { isLoopbackAddress, isTailscaleAddress, resolveBindTarget, type NetworkWorld } from "./bind.js";
import { configOrigin, envOrigin, flagOrigin, type CredentialOrigin, type EnvOrigins } from "./credential-origin.js";
import { GatewaySettingsError, resolveGatewaySettings } from "./gateway-settings.js";
import type { Env, StatePaths } from "./paths.js";
import type { OpenClawConfig } from "./schema.js";

export interface TargetFlags {
  readonly url?: string | undefined;
  readonly token?: string | undefined;
  readonly password?: string | undefined;
  readonly allowInsecure?: boolean | undefined;
}

export interface GatewayTarget {
  readonly url: string;
  readonly urlSource: "flag" | "env" | "remote config" | "local config";
  readonly remote: boolean;
  readonly token?: string | undefined;
  readonly password?: string | undefined;
  /** Where the credential came from, for display: `token (configured)`, `token (env)`, `none`. */
  readonly authLabel: string;
  /** Where the credential came from, in full (`OPENCLAW_GATEWAY_TOKEN from your shell`); none without one. */
  readonly credentialOrigin?: CredentialOrigin | undefined;
  /** For the local gateway with its own TLS certificate: the file to trust (caPath, else the certificate). */
  readonly caFile?: string | undefined;
}

/** Refuses URLs that would send a credential in clear text over a network, or in the URL itself. */
export function checkTargetUrl(raw: string, allowInsecure: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new GatewaySettingsError(
      `Invalid gateway URL ${JSON.stringify(raw)}`,
      "Use ws://host:port or wss://host, for example ws://127.0.0.1:18789",
      "flag",
    );
  }
  if (url.protocol === "http:" || url.protocol === "https:") url.protocol = url.protocol === "http:" ? "ws:" : "wss:";
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new GatewaySettingsError(`Unsupported gateway URL scheme ${url.protocol}`, "Use ws:// or wss://", "flag");
  }
  for (const key of url.searchParams.keys()) {
    if (/^(token|password|auth|key)$/i.test(key)) {
      throw new GatewaySettingsError(
        "Refusing a gateway URL that carries a credential in its query string (it would end up in logs and shell history)",
        "Pass it with --token, or OPENCLAW_GATEWAY_TOKEN, and drop it from the URL",
        "flag",
      );
    }
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const encryptedPath =
    url.protocol === "wss:" || isLoopbackAddress(host) || isTailscaleAddress(host) || host.endsWith(".ts.net");
  if (!encryptedPath && !allowInsecure) {
    throw new GatewaySettingsError(
      `Refusing plain ws:// to ${host}: the token would cross the network unencrypted`,
      "Use wss://, an SSH tunnel (ssh -N -L 18789:127.0.0.1:18789 host, then ws://127.0.0.1:18789), Tailscale, or pass --allow-insecure if this network is trusted",
      "flag",
    );
  }
  return url;
}

export async function resolveGatewayTarget(input: {
  flags: TargetFlags;
  env: Env;
  config: OpenClawConfig;
  paths: Pick<StatePaths, "defaultPort"> & Partial<Pick<StatePaths, "configPath">>;
  network: NetworkWorld;
  /** Which variables came from a `.env` file, so a source can be named as that file. */
  envOrigins?: EnvOrigins | undefined;
}): Promise<GatewayTarget> {
  const { flags, env, config } = input;
  const remoteMode = config.gateway?.mode === "remote";
  let url: string;
  let urlSource: GatewayTarget["urlSource"];
  let caFile: string | undefined;
  if (flags.url) [url, urlSource] = [flags.url, "flag"];
  else if (env.OPENCLAW_GATEWAY_URL?.trim()) [url, urlSource] = [env.OPENCLAW_GATEWAY_URL.trim(), "env"];
  else if (remoteMode && config.gateway?.remote?.url) [url, urlSource] = [config.gateway.remote.url, "remote config"];
  else {
    const settings = resolveGatewaySettings({ env, config, paths: input.paths });
    let host = "127.0.0.1";
    try {
      host = (await resolveBindTarget(settings.bind, settings.customBind, input.network)).probeHost;
    } catch {
      // tailnet without Tailscale: the local gateway cannot be running there either; probe loopback
    }
    url = `${settings.tls ? "wss" : "ws"}://${host.includes(":") ? `[${host}]` : host}:${settings.port}`;
    urlSource = "local config";
    // A self-signed certificate verifies against itself: the CLI trusts the file the gateway serves.
    caFile = settings.tls ? (config.gateway?.tls?.caPath ?? settings.tls.certPath) : undefined;
  }
  const checked = checkTargetUrl(url, flags.allowInsecure === true);
  const remote =
    urlSource === "remote config" ||
    (urlSource !== "local config" && !isLoopbackAddress(checked.hostname.replace(/^\[|\]$/g, "")));
  const useRemoteCreds = urlSource === "remote config" || (remoteMode && urlSource !== "local config");
  const configured = useRemoteCreds ? config.gateway?.remote : config.gateway?.auth;
  let token: string | undefined;
  let password: string | undefined;
  let authLabel = "none";
  let origin: CredentialOrigin | undefined;
  const configPath = input.paths.configPath ?? "the config";
  if (flags.token) [token, authLabel, origin] = [flags.token, "token (flag)", flagOrigin("token")];
  else if (flags.password) [password, authLabel, origin] = [flags.password, "password (flag)", flagOrigin("password")];
  else if (env.OPENCLAW_GATEWAY_TOKEN)
    [token, authLabel, origin] = [env.OPENCLAW_GATEWAY_TOKEN, "token (env)", envOrigin("token", input.envOrigins)];
  else if (env.OPENCLAW_GATEWAY_PASSWORD)
    [password, authLabel, origin] = [
      env.OPENCLAW_GATEWAY_PASSWORD,
      "password (env)",
      envOrigin("password", input.envOrigins),
    ];
  else if (configured?.token)
    [token, authLabel, origin] = [
      configured.token,
      "token (configured)",
      configOrigin("token", configPath, useRemoteCreds),
    ];
  else if (configured?.password)
    [password, authLabel, origin] = [
      configured.password,
      "password (configured)",
      configOrigin("password", configPath, useRemoteCreds),
    ];
  return {
    url: checked.toString().replace(/\/$/, ""),
    urlSource,
    remote,
    token,
    password,
    authLabel,
    credentialOrigin: origin,
    caFile,
  };
}
