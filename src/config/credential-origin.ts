/**
 * Where a gateway credential comes from, for the CLI and for an installed service, and whether the two
 * agree. Values are compared here and never leave as text: messages name sources only.
 * @module
 */
import { join } from "node:path";
import { loadEnvFiles } from "./env-file.js";
import { resolveGatewaySettings, type GatewaySettings } from "./gateway-settings.js";
import type { Env, StatePaths } from "./paths.js";
import type { OpenClawConfig } from "./schema.js";

export type CredentialKind = "token" | "password";

/** One credential's source, in words a person can act on. */
export interface CredentialOrigin {
  readonly kind: CredentialKind;
  readonly where: "flag" | "shell" | "env-file" | "service-env" | "config" | "remote-config" | "generated" | "none";
  /** `OPENCLAW_GATEWAY_TOKEN from your shell`, `gateway.auth.token in /home/u/.openclaw/openclaw.json`. */
  readonly text: string;
  /** The environment file, for `env-file`. */
  readonly file?: string | undefined;
}

export const ENV_NAME: Record<CredentialKind, string> = {
  token: "OPENCLAW_GATEWAY_TOKEN",
  password: "OPENCLAW_GATEWAY_PASSWORD",
};

/** Which file set each variable that came from a `.env` file (absent: the process environment). */
export type EnvOrigins = ReadonlyMap<string, string>;

export function envOrigin(kind: CredentialKind, origins: EnvOrigins | undefined): CredentialOrigin {
  const name = ENV_NAME[kind];
  const file = origins?.get(name);
  return file
    ? { kind, where: "env-file", text: `${name} from ${file}`, file }
    : { kind, where: "shell", text: `${name} from your shell` };
}

export function configOrigin(kind: CredentialKind, configPath: string, remote = false): CredentialOrigin {
  return {
    kind,
    where: remote ? "remote-config" : "config",
    text: `gateway.${remote ? "remote" : "auth"}.${kind} in ${configPath}`,
  };
}

export function flagOrigin(kind: CredentialKind): CredentialOrigin {
  return { kind, where: "flag", text: `--${kind}` };
}

/** What a running gateway says about its own credential's source in an AUTH_FAILED answer. */
export function describeGatewaySource(kind: string, source: string | undefined): string | undefined {
  const name = kind === "password" ? "password" : "token";
  switch (source) {
    case "config":
      return `gateway.auth.${name} in its config`;
    case "env":
      return `${ENV_NAME[name]} in its environment (its service definition or its .env)`;
    case "flag":
      return `--${name} on its command line`;
    default:
      return undefined;
  }
}

/** What a gateway started from an installed service definition will expect, and from where. */
export interface ServiceCredential {
  readonly mode: GatewaySettings["auth"]["mode"];
  readonly secret?: string | undefined;
  readonly origin?: CredentialOrigin | undefined;
}

/**
 * Resolves the credential of a gateway that starts with `serviceEnv` (the definition's Environment), the
 * way `gateway run` will: its state dir's `.env` and its working directory's `.env` fill in what the
 * definition does not set, then the config.
 */
export function resolveServiceCredential(input: {
  serviceEnv: Env;
  workingDirectory: string;
  paths: Pick<StatePaths, "envFile" | "configPath" | "defaultPort">;
  /** Reads the service's config with its environment (`${VAR}` may name a variable from a `.env` file). */
  readConfig: (env: Env) => OpenClawConfig;
  /** A config value that would be written before the service starts (install carrying a token). */
  pendingConfigValue?: { kind: CredentialKind; value: string } | undefined;
}): ServiceCredential {
  const env: Record<string, string | undefined> = { ...input.serviceEnv };
  const origins = new Map<string, string>();
  for (const file of loadEnvFiles([input.paths.envFile, join(input.workingDirectory, ".env")], env))
    for (const name of file.applied) origins.set(name, file.file);
  const read = input.readConfig(env);
  const config = input.pendingConfigValue
    ? {
        ...read,
        gateway: {
          ...read.gateway,
          auth: { ...read.gateway?.auth, [input.pendingConfigValue.kind]: input.pendingConfigValue.value },
        },
      }
    : read;
  const settings = resolveGatewaySettings({ env, config, paths: input.paths });
  const { auth } = settings;
  if (auth.mode === "none") return { mode: "none" };
  const kind: CredentialKind = auth.mode;
  const secret = kind === "token" ? auth.token : auth.password;
  const source = kind === "token" ? auth.tokenSource : auth.passwordSource;
  let origin: CredentialOrigin;
  if (source === "env") {
    const name = ENV_NAME[kind];
    const file = origins.get(name);
    origin = file
      ? { kind, where: "env-file", text: `${name} from ${file}`, file }
      : { kind, where: "service-env", text: `${name} in the service definition` };
  } else if (source === "config") origin = configOrigin(kind, input.paths.configPath);
  else
    origin = {
      kind,
      where: kind === "token" ? "generated" : "none",
      text:
        kind === "token"
          ? `a token the gateway generates into ${input.paths.configPath} at its first start`
          : "no password (the gateway will refuse to start)",
    };
  return { mode: auth.mode, secret, origin };
}

export interface Agreement {
  readonly agree: boolean;
  /** For a mismatch: what differs, naming both sources. */
  readonly message?: string | undefined;
  /** For a mismatch: the commands that make them agree. */
  readonly fix?: string | undefined;
}

/**
 * Whether a client presenting `cli` gets into a gateway expecting `service`. The gateway takes its
 * secret from either wire field, so only the values are compared.
 */
export function credentialAgreement(
  cli: { secret?: string | undefined; origin?: CredentialOrigin | undefined },
  service: ServiceCredential,
): Agreement {
  if (service.mode === "none") return { agree: true };
  if (cli.secret !== undefined && cli.secret === service.secret) return { agree: true };
  const serviceText = service.origin?.text ?? "its own credential";
  if (cli.secret === undefined || !cli.origin)
    return {
      agree: false,
      message: `token mismatch: the CLI has no credential, but the service uses ${serviceText}`,
      fix: `Fix: openclaw config set gateway.auth.${service.origin?.kind ?? "token"} <the service's value>, or pass --token`,
    };
  const message = `${cli.origin.kind} mismatch: the CLI uses ${cli.origin.text}, but the service uses ${serviceText}, and they differ`;
  return { agree: false, message, fix: fixFor(cli.origin, service) };
}

function fixFor(cli: CredentialOrigin, service: ServiceCredential): string {
  const serviceWhere = service.origin?.where;
  const makeServiceUse =
    serviceWhere === "env-file"
      ? `or put the same value in ${service.origin?.file}`
      : serviceWhere === "service-env"
        ? "or reinstall the service without a credential in its definition: openclaw gateway install --force"
        : `or make it the service's: openclaw gateway install --force --${cli.kind} "$${ENV_NAME[cli.kind]}"`;
  switch (cli.where) {
    case "shell":
      return `Fix: unset ${ENV_NAME[cli.kind]} (the CLI then uses the service's), ${makeServiceUse}`;
    case "env-file":
      return `Fix: remove ${ENV_NAME[cli.kind]} from ${cli.file} or give it the service's value, then restart the service: openclaw gateway restart`;
    case "flag":
      return `Fix: pass the service's ${cli.kind} (see ${service.origin?.text ?? "its config"}), or leave out --${cli.kind}`;
    default:
      return `Fix: make ${cli.text} and ${service.origin?.text ?? "the service's"} the same, then: openclaw gateway restart`;
  }
}
