/**
 * What a service runs: the same for every backend. Built from the profile's paths and the resolved
 * gateway settings; never holds a secret (the gateway reads its token from the config or `.env`).
 * @module
 */
import { dirname } from "node:path";
import type { StatePaths } from "../config/paths.js";

export interface ServiceSpec {
  readonly profile: string;
  readonly version: string;
  readonly port: number;
  readonly nodePath: string;
  readonly entryPath: string;
  readonly workingDirectory: string;
  readonly stateDir: string;
  readonly configPath: string;
  readonly logsDir: string;
  /** Environment for the gateway; names only from `SERVICE_ENV_ALLOWED`. */
  readonly environment: Readonly<Record<string, string>>;
  /** For system units: the account the gateway runs as. */
  readonly user?: string | undefined;
  readonly group?: string | undefined;
}

/** Variables a unit may carry. Secrets (tokens, passwords, keys) are never among them. */
export const SERVICE_ENV_ALLOWED = new Set([
  "HOME",
  "PATH",
  "TMPDIR",
  "OPENCLAW_PROFILE",
  "OPENCLAW_STATE_DIR",
  "OPENCLAW_CONFIG_PATH",
  "OPENCLAW_HOME",
  "OPENCLAW_SERVICE_MARKER",
  "OPENCLAW_SERVICE_KIND",
  "OPENCLAW_SERVICE_VERSION",
  "OPENCLAW_SERVICE_BACKEND",
  "NODE_EXTRA_CA_CERTS",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
]);

export const SECRET_ENV = /TOKEN|PASSWORD|SECRET|API_KEY|APIKEY|PRIVATE/i;

/**
 * Node flags for the gateway process. A small young generation (4 MB semi-spaces instead of Node's 16):
 * a burst of connections otherwise grows it to its maximum and keeps it, about 40 KB of RSS per idle
 * connection instead of 10, with no loss of request throughput (measured: docs/PERFORMANCE.md).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=4"];

/** The program and arguments every backend runs. */
export function programArguments(spec: ServiceSpec): string[] {
  return [spec.nodePath, ...GATEWAY_NODE_FLAGS, spec.entryPath, "gateway", "--port", String(spec.port)];
}

export function buildServiceSpec(input: {
  paths: StatePaths;
  port: number;
  version: string;
  nodePath: string;
  entryPath: string;
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  user?: string;
  group?: string;
}): ServiceSpec {
  const { paths, env } = input;
  const environment: Record<string, string> = {
    HOME: input.home,
    // A minimal PATH: node's own directory first, so the service finds the same node as the installer.
    PATH: [dirname(input.nodePath), "/usr/local/bin", "/usr/bin", "/bin"]
      .filter((v, i, a) => a.indexOf(v) === i)
      .join(":"),
    OPENCLAW_SERVICE_MARKER: "openclaw",
    OPENCLAW_SERVICE_KIND: "gateway",
    OPENCLAW_SERVICE_VERSION: input.version,
  };
  if (paths.profile !== "default") environment.OPENCLAW_PROFILE = paths.profile;
  if (env.OPENCLAW_STATE_DIR) environment.OPENCLAW_STATE_DIR = paths.stateDir;
  if (env.OPENCLAW_CONFIG_PATH) environment.OPENCLAW_CONFIG_PATH = paths.configPath;
  if (env.OPENCLAW_HOME) environment.OPENCLAW_HOME = env.OPENCLAW_HOME;
  for (const name of ["NODE_EXTRA_CA_CERTS", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"])
    if (env[name]) environment[name] = env[name]!;
  return {
    profile: paths.profile,
    version: input.version,
    port: input.port,
    nodePath: input.nodePath,
    entryPath: input.entryPath,
    workingDirectory: input.home,
    stateDir: paths.stateDir,
    configPath: paths.configPath,
    logsDir: paths.logsDir,
    environment,
    ...(input.user ? { user: input.user } : {}),
    ...(input.group ? { group: input.group } : {}),
  };
}

/** Names of the service per platform, from the profile (seed: default has no suffix). */
export function serviceNames(profile: string): { systemd: string; launchd: string; schtasks: string } {
  const named = profile !== "default";
  return {
    systemd: named ? `openclaw-gateway-${profile}.service` : "openclaw-gateway.service",
    launchd: named ? `bot.molt.${profile}` : "bot.molt.gateway",
    schtasks: named ? `OpenClaw Gateway (${profile})` : "OpenClaw Gateway",
  };
}
