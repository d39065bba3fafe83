/**
 * Credentials per provider, tried in order: the config's `apiKey`, the profiles in
 * `<state>/credentials/auth-profiles.json` (several per provider), then the provider's environment
 * variable. A key that hit a rate limit or a billing error cools down and the next one is tried.
 * @module
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export interface Credential {
  /** `config`, `env:OPENAI_API_KEY`, or `profile:<name>`: never the key itself. */
  readonly id: string;
  readonly apiKey: string | undefined;
}

/** A profile as OpenClaw writes it: `api_key` (`key`), `token` (`token`, `expires?`) or `oauth` (`access`, `expires`). */
export interface AuthProfile {
  provider?: string;
  type?: string;
  apiKey?: string;
  key?: string;
  token?: string;
  access?: string;
  /** Milliseconds since the epoch. */
  expires?: number;
}

interface ProfilesFile {
  profiles?: Record<string, AuthProfile>;
  order?: Record<string, string[]>;
}

export interface ProfileState {
  readonly name: string;
  readonly provider: string;
  readonly type: string;
  readonly credential: Credential;
  readonly state: "valid" | "missing" | "expired";
}

function secretOf(profile: AuthProfile | undefined): string | undefined {
  const secret = profile?.apiKey ?? profile?.key ?? profile?.token ?? profile?.access;
  return typeof secret === "string" && secret ? secret : undefined;
}

function isExpired(profile: AuthProfile | undefined, now: number): boolean {
  return typeof profile?.expires === "number" && profile.expires > 0 && profile.expires <= now;
}

export const MAX_PROFILES_BYTES = 1024 * 1024;
const cooldowns = new Map<string, number>();

export function authProfilesPath(credentialsDir: string): string {
  return join(credentialsDir, "auth-profiles.json");
}

export function readAuthProfiles(credentialsDir: string): ProfilesFile {
  const path = authProfilesPath(credentialsDir);
  try {
    if (statSync(path).size > MAX_PROFILES_BYTES) return {};
    return JSON.parse(readFileSync(path, "utf8")) as ProfilesFile;
  } catch {
    return {};
  }
}

/**
 * Adds or replaces one API-key profile, keeping the others. `writeFile` is the caller's atomic, 0600 file
 * write (files/fs-safe's): providers import protocol only.
 */
export function saveApiKeyProfile(
  credentialsDir: string,
  profile: { name: string; provider: string; key: string },
  writeFile: (path: string, text: string) => void,
): void {
  const { name, provider, key } = profile;
  const path = authProfilesPath(credentialsDir);
  let file: ProfilesFile = {};
  if (existsSync(path)) {
    try {
      file = JSON.parse(readFileSync(path, "utf8")) as ProfilesFile;
    } catch {
      // Never replace profiles that cannot be read with a file holding only the new one.
      throw new Error(`${path} is not valid JSON; nothing was changed. Fix it or move it aside, then run this again.`);
    }
  }
  const profiles = { ...file.profiles, [name]: { type: "api_key", provider, key } };
  writeFile(path, `${JSON.stringify({ ...file, profiles }, null, 2)}\n`);
}

/** Every profile for a provider (or all), in the order they are tried, with whether it can be used. */
export function profileStates(credentialsDir: string, provider?: string, now = Date.now()): ProfileState[] {
  const file = readAuthProfiles(credentialsDir);
  const profiles = file.profiles ?? {};
  const providerOf = (name: string) => profiles[name]?.provider ?? name.split(":")[0] ?? "";
  const names = provider
    ? (file.order?.[provider] ?? Object.keys(profiles).filter((n) => providerOf(n) === provider))
    : Object.keys(profiles);
  return names.map((name) => {
    const profile = profiles[name];
    const secret = secretOf(profile);
    return {
      name,
      provider: providerOf(name),
      type: profile?.type ?? "api_key",
      credential: { id: `profile:${name}`, apiKey: secret },
      state: !secret ? "missing" : isExpired(profile, now) ? "expired" : "valid",
    };
  });
}

/** The keys for a provider, in the order they are tried (expired tokens are left out). */
export function credentialsFor(input: {
  provider: string;
  configKey?: string | undefined;
  envName: string;
  env: Readonly<Record<string, string | undefined>>;
  credentialsDir?: string | undefined;
}): Credential[] {
  const out: Credential[] = [];
  if (input.configKey) out.push({ id: "config", apiKey: input.configKey });
  if (input.credentialsDir)
    for (const profile of profileStates(input.credentialsDir, input.provider))
      if (profile.state === "valid") out.push(profile.credential);
  if (input.env[input.envName]) out.push({ id: `env:${input.envName}`, apiKey: input.env[input.envName] });
  if (out.length === 0) out.push({ id: "none", apiKey: undefined });
  return out;
}

export function coolDown(provider: string, credential: Credential, ms: number, now = Date.now()): void {
  cooldowns.set(`${provider}\0${credential.id}`, now + ms);
  if (cooldowns.size > 1000) cooldowns.delete(cooldowns.keys().next().value!);
}

export function isCoolingDown(provider: string, credential: Credential, now = Date.now()): boolean {
  const until = cooldowns.get(`${provider}\0${credential.id}`);
  return until !== undefined && until > now;
}

/** How long a key rests after a failure: the provider's retry-after, else a minute (an hour for billing). */
export function cooldownFor(kind: string, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(retryAfterMs, 1000), 3_600_000);
  return kind === "billing" ? 3_600_000 : 60_000;
}
