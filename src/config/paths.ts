/**
 * Where a profile's state lives: state directory, config file, workspace and the folders inside.
 * Pure: the environment and the home directory come in as arguments.
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";

/** A read-only view of environment variables. */
export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_PROFILE = "default";
export const DEFAULT_GATEWAY_PORT = 18789;
export const DEV_GATEWAY_PORT = 19001;
const PROFILE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export interface StatePaths {
  readonly profile: string;
  readonly stateDir: string;
  readonly configPath: string;
  readonly workspaceDir: string;
  readonly logsDir: string;
  readonly credentialsDir: string;
  readonly envFile: string;
  readonly agentsDir: string;
  /** The port this profile uses when neither a flag, the environment nor the config names one. */
  readonly defaultPort: number;
  /** Which input decided the state directory, for status and doctor output. */
  readonly stateDirSource: "OPENCLAW_STATE_DIR" | "profile";
  readonly configPathSource: "OPENCLAW_CONFIG_PATH" | "state dir";
}

export class ProfileError extends Error {
  override name = "ProfileError";
}

/** Checks a profile name: letters, digits, `_` and `-` only. */
/** `1`, `true` or `yes` (any case) turns an environment switch on. */
export function envFlag(env: Env, name: string): boolean {
  return /^(1|true|yes)$/i.test(env[name]?.trim() ?? "");
}

export function validateProfileName(name: string): string {
  if (!PROFILE_NAME.test(name)) {
    throw new ProfileError(
      `Invalid profile name ${JSON.stringify(name)}: use letters, digits, "_" and "-" only (at most 64). Example: --profile rescue`,
    );
  }
  return name;
}

/**
 * The active profile: `--dev` > `--profile` > `OPENCLAW_PROFILE` > default.
 * `--dev` and `--profile` together are refused, as upstream does.
 */
export function resolveProfile(input: { flag?: string | undefined; dev?: boolean; env: Env }): string {
  if (input.dev && input.flag !== undefined && input.flag !== "dev") {
    throw new ProfileError("Cannot combine --dev with --profile: --dev already means --profile dev. Drop one of them.");
  }
  if (input.dev) return "dev";
  if (input.flag !== undefined) return validateProfileName(input.flag);
  const fromEnv = input.env.OPENCLAW_PROFILE?.trim();
  return fromEnv ? validateProfileName(fromEnv) : DEFAULT_PROFILE;
}

/** The home directory, honouring `OPENCLAW_HOME` the way upstream does. */
export function resolveHome(env: Env, homedir: string): string {
  const override = env.OPENCLAW_HOME?.trim();
  return override ? resolve(expandHome(override, homedir)) : homedir;
}

/** Expands a leading `~` (alone or followed by a slash) to the home directory. */
export function expandHome(path: string, home: string): string {
  if (path === "~") return home;
  if (path.startsWith("~/")) return join(home, path.slice(2));
  return path;
}

/** Resolves every path of a profile from the environment and the home directory. */
export function resolveStatePaths(input: { profile: string; env: Env; homedir: string; cwd: string }): StatePaths {
  const home = resolveHome(input.env, input.homedir);
  const profile = input.profile;
  const named = profile !== DEFAULT_PROFILE;
  const envState = input.env.OPENCLAW_STATE_DIR?.trim();
  const stateDir = envState
    ? absolute(expandHome(envState, home), input.cwd)
    : join(home, named ? `.openclaw-${profile}` : ".openclaw");
  const envConfig = input.env.OPENCLAW_CONFIG_PATH?.trim();
  const configPath = envConfig ? absolute(expandHome(envConfig, home), input.cwd) : join(stateDir, "openclaw.json");
  return {
    profile,
    stateDir,
    configPath,
    // The seed's profile table keeps every workspace under ~/.openclaw, named per profile.
    workspaceDir: join(home, ".openclaw", named ? `workspace-${profile}` : "workspace"),
    logsDir: join(stateDir, "logs"),
    credentialsDir: join(stateDir, "credentials"),
    envFile: join(stateDir, ".env"),
    agentsDir: join(stateDir, "agents"),
    defaultPort: profile === "dev" ? DEV_GATEWAY_PORT : DEFAULT_GATEWAY_PORT,
    stateDirSource: envState ? "OPENCLAW_STATE_DIR" : "profile",
    configPathSource: envConfig ? "OPENCLAW_CONFIG_PATH" : "state dir",
  };
}

function absolute(path: string, cwd: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}
