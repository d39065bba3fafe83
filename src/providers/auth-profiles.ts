/**
 * Credentials per provider, tried in order: the config's `apiKey`, the profiles in
 * `<state>/credentials/auth-profiles.json` (several per provider), then the provider's environment
 * variable. A key that hit a rate limit or a billing error cools down and the next one is tried.
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export interface Credential {
  /** `config`, `env:OPENAI_API_KEY`, or `profile:<name>`: never the key itself. */
  readonly id: string;
  readonly apiKey: string | undefined;
}

interface ProfilesFile {
  profiles?: Record<string, { provider?: string; apiKey?: string; type?: string }>;
  order?: Record<string, string[]>;
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

/** The keys for a provider, in the order they are tried. */
export function credentialsFor(input: {
  provider: string;
  configKey?: string | undefined;
  envName: string;
  env: Readonly<Record<string, string | undefined>>;
  credentialsDir?: string | undefined;
}): Credential[] {
  const out: Credential[] = [];
  if (input.configKey) out.push({ id: "config", apiKey: input.configKey });
  if (input.credentialsDir) {
    const file = readAuthProfiles(input.credentialsDir);
    const names =
      file.order?.[input.provider] ??
      Object.keys(file.profiles ?? {}).filter(
        (n) => file.profiles?.[n]?.provider === input.provider || n.startsWith(`${input.provider}:`),
      );
    for (const name of names) {
      const key = file.profiles?.[name]?.apiKey;
      if (key) out.push({ id: `profile:${name}`, apiKey: key });
    }
  }
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
