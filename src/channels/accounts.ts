/**
 * Channel accounts as the config describes them: `channels.<id>` is the `default` account unless
 * `channels.<id>.accounts.<accountId>` lists several; an account inherits the root's keys it does not set
 * (a `groups` map replaces the root's whole). The token's source follows upstream: `tokenFile` > the
 * config's token (`botToken` for Telegram, `token` for Discord) > `TELEGRAM_BOT_TOKEN` / `DISCORD_BOT_TOKEN`
 * (default account only). WhatsApp has no token: its credential is a linked device's files in
 * `credentials/whatsapp/<accountId>/` (or `authDir`), and "configured" means linked.
 * @module
 */
import { lstatSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { isLinked } from "./whatsapp/auth-store.js";
import type { Env } from "../config/paths.js";
import type { OpenClawConfig } from "../config/schema.js";

export type DmPolicy = "pairing" | "allowlist" | "open" | "disabled";
export type GroupPolicy = "open" | "allowlist" | "disabled";

export interface GroupRule {
  readonly requireMention?: boolean | undefined;
  readonly enabled?: boolean | undefined;
  readonly allowFrom?: readonly (string | number)[] | undefined;
  /** Discord: the guild's channels that are admitted (absent: all of them). */
  readonly channels?: readonly string[] | undefined;
  /** Discord: members with one of these roles are admitted too (beside `allowFrom`, Discord's `users`). */
  readonly roles?: readonly string[] | undefined;
}

/** Everything the manager needs of one account; the token itself only when it resolved. */
export interface ChannelAccount {
  readonly channel: string;
  readonly accountId: string;
  readonly enabled: boolean;
  readonly configured: boolean;
  readonly token?: string | undefined;
  readonly tokenSource: "tokenFile" | "config" | "env" | "none";
  /** Why the token did not resolve (a tokenFile that cannot be read, …). */
  readonly tokenError?: string | undefined;
  /** Messages from other bots: ignored (false), processed (true), or only when they mention ours. */
  readonly allowBots: boolean | "mentions";
  readonly dmPolicy: DmPolicy;
  readonly allowFrom: readonly string[];
  readonly groupPolicy: GroupPolicy;
  readonly groupAllowFrom?: readonly string[] | undefined;
  /** Groups by id (Telegram chats; Discord guilds, from `guilds`). */
  readonly groups?: Readonly<Record<string, GroupRule>> | undefined;
  /** The account's raw settings (root merged with the account), for the adapter. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** A fingerprint of what the transport depends on: a change restarts the account, anything else does not. */
  readonly transportKey: string;
}

/** The channels this gateway can run, in display order. */
export const SUPPORTED_CHANNELS = ["telegram", "discord", "whatsapp"] as const;
export type SupportedChannel = (typeof SUPPORTED_CHANNELS)[number];
export type TokenChannel = Exclude<SupportedChannel, "whatsapp">;
export const CHANNEL_LABELS: Record<string, string> = {
  telegram: "Telegram",
  discord: "Discord",
  whatsapp: "WhatsApp",
};

/** Per token channel: the config key of the token, the variable for the default account, the id prefixes upstream accepts. */
export const CHANNEL_KEYS: Record<TokenChannel, { token: string; env: string; prefixes: RegExp }> = {
  telegram: { token: "botToken", env: "TELEGRAM_BOT_TOKEN", prefixes: /^(telegram|tg):/i },
  discord: { token: "token", env: "DISCORD_BOT_TOKEN", prefixes: /^(discord|user):|^<@!?|>$/gi },
};

/** What a channel account lacks before it can start, with the command that fixes it. */
export function notConfiguredReason(channel: string): string {
  return channel === "whatsapp"
    ? "not linked: run openclaw channels login --channel whatsapp"
    : "no bot token configured";
}

/** WhatsApp numbers as upstream writes them (E.164, `+15551234567`); `*` stays; `whatsapp:` is dropped. */
function normalizePhone(id: string): string {
  const bare = id.replace(/^whatsapp:/i, "").trim();
  if (bare === "*" || bare.startsWith("lid:")) return bare;
  const digits = bare.replace(/[^\d]/g, "");
  return digits ? `+${digits}` : "";
}

const TRANSPORT_KEYS = [
  "apiRoot",
  "apiUrl",
  "intents",
  "pollTimeoutSeconds",
  "stallSeconds",
  "webhookUrl",
  "webhookSecret",
  "webhookPath",
  "webhookHost",
  "webhookPort",
];

/** Sender ids as strings, without the prefixes upstream accepts (`telegram:`, `tg:`, `discord:`, `user:`, `<@…>`). */
export function normalizeIds(
  ids: readonly (string | number)[] | undefined,
  channel: SupportedChannel = "telegram",
): string[] {
  return (ids ?? [])
    .map((id) =>
      channel === "whatsapp"
        ? normalizePhone(String(id))
        : String(id).trim().replace(CHANNEL_KEYS[channel].prefixes, ""),
    )
    .filter((id) => id !== "");
}

function readTokenFile(path: string): { token?: string; error?: string } {
  try {
    if (lstatSync(path).isSymbolicLink())
      return { error: `tokenFile ${path} is a symlink (refused, as upstream does)` };
    const token = readFileSync(path, "utf8").trim();
    return token ? { token } : { error: `tokenFile ${path} is empty` };
  } catch (error) {
    return {
      error: `tokenFile ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    };
  }
}

/** Discord's `guilds.<id>.{requireMention, users, channels}` as the manager's group rules. */
function guildRules(guilds: unknown): Record<string, GroupRule> | undefined {
  if (!guilds || typeof guilds !== "object") return undefined;
  return Object.fromEntries(
    Object.entries(guilds as Record<string, Record<string, unknown>>).map(([id, g]) => [
      id,
      {
        ...(typeof g.requireMention === "boolean" ? { requireMention: g.requireMention } : {}),
        ...(typeof g.enabled === "boolean" ? { enabled: g.enabled } : {}),
        ...(Array.isArray(g.users) ? { allowFrom: normalizeIds(g.users as string[], "discord") } : {}),
        ...(Array.isArray(g.roles) ? { roles: (g.roles as unknown[]).map(String) } : {}),
        ...(g.channels && typeof g.channels === "object"
          ? { channels: Array.isArray(g.channels) ? (g.channels as unknown[]).map(String) : Object.keys(g.channels) }
          : {}),
      },
    ]),
  );
}

/** The accounts of every supported channel that the config mentions. */
export function resolveChannelAccounts(config: OpenClawConfig, env: Env, credentialsDir: string): ChannelAccount[] {
  return SUPPORTED_CHANNELS.flatMap((channel) => resolveAccounts(channel, config, env, credentialsDir));
}

/** Where a WhatsApp account keeps its linked device: `authDir`, else `credentials/whatsapp/<accountId>`. */
export function whatsappAuthDir(settings: Record<string, unknown>, accountId: string, credentialsDir: string): string {
  const configured =
    typeof settings.authDir === "string" && settings.authDir.trim() ? settings.authDir.trim() : undefined;
  if (!configured) return join(credentialsDir, "whatsapp", accountId);
  return isAbsolute(configured) ? configured : resolve(credentialsDir, configured);
}

function resolveAccounts(
  channel: SupportedChannel,
  config: OpenClawConfig,
  env: Env,
  credentialsDir: string,
): ChannelAccount[] {
  const section = (config.channels as Record<string, unknown> | undefined)?.[channel] as
    | Record<string, unknown>
    | undefined;
  if (!section) return [];
  const { accounts: rawAccounts, defaultAccount: _default, ...root } = section;
  const named = (rawAccounts ?? {}) as Record<string, Record<string, unknown>>;
  const ids = Object.keys(named).length > 0 ? Object.keys(named) : ["default"];
  return ids.map((accountId) => {
    const merged: Record<string, unknown> = { ...root, ...named[accountId] };
    if (channel === "whatsapp") return whatsappAccount(accountId, merged, env, credentialsDir);
    const keys = CHANNEL_KEYS[channel];
    // Discord's API override comes from the environment, as upstream's DISCORD_API_URL.
    if (channel === "discord" && env.DISCORD_API_URL) merged.apiUrl = env.DISCORD_API_URL;
    const file = typeof merged.tokenFile === "string" ? readTokenFile(merged.tokenFile) : undefined;
    let token: string | undefined;
    let tokenSource: ChannelAccount["tokenSource"] = "none";
    const fromConfig = merged[keys.token];
    if (file?.token) [token, tokenSource] = [file.token, "tokenFile"];
    else if (typeof fromConfig === "string" && fromConfig) [token, tokenSource] = [fromConfig, "config"];
    else if (accountId === "default" && env[keys.env]) [token, tokenSource] = [env[keys.env]!, "env"];
    const groups =
      channel === "discord" ? guildRules(merged.guilds) : (merged.groups as Record<string, GroupRule> | undefined);
    return {
      channel,
      accountId,
      enabled: merged.enabled !== false,
      configured: token !== undefined,
      token,
      tokenSource,
      allowBots: merged.allowBots === "mentions" ? "mentions" : merged.allowBots === true,
      ...(file?.error && !token ? { tokenError: file.error } : {}),
      dmPolicy: (merged.dmPolicy as DmPolicy | undefined) ?? "pairing",
      allowFrom: normalizeIds(merged.allowFrom as (string | number)[] | undefined, channel),
      groupPolicy: (merged.groupPolicy as GroupPolicy | undefined) ?? "allowlist",
      ...(merged.groupAllowFrom
        ? { groupAllowFrom: normalizeIds(merged.groupAllowFrom as (string | number)[], channel) }
        : {}),
      ...(groups ? { groups } : {}),
      settings: merged,
      transportKey: JSON.stringify([
        token ?? "",
        merged.enabled !== false,
        ...TRANSPORT_KEYS.map((k) => merged[k] ?? null),
      ]),
    };
  });
}

function whatsappAccount(
  accountId: string,
  merged: Record<string, unknown>,
  env: Env,
  credentialsDir: string,
): ChannelAccount {
  const authDir = whatsappAuthDir(merged, accountId, credentialsDir);
  const settings: Record<string, unknown> = {
    ...merged,
    authDir,
    ...(env.OPENCLAW_WHATSAPP_WEB_SOCKET_URL ? { webSocketUrl: env.OPENCLAW_WHATSAPP_WEB_SOCKET_URL } : {}),
    ...(env.OPENCLAW_WHATSAPP_SOCKET_MODULE ? { socketModule: env.OPENCLAW_WHATSAPP_SOCKET_MODULE } : {}),
  };
  return {
    channel: "whatsapp",
    accountId,
    enabled: merged.enabled !== false,
    configured: isLinked(authDir),
    tokenSource: "none",
    allowBots: false,
    dmPolicy: (merged.dmPolicy as DmPolicy | undefined) ?? "pairing",
    allowFrom: normalizeIds(merged.allowFrom as (string | number)[] | undefined, "whatsapp"),
    groupPolicy: (merged.groupPolicy as GroupPolicy | undefined) ?? "allowlist",
    ...(merged.groupAllowFrom ? { groupAllowFrom: normalizeIds(merged.groupAllowFrom as string[], "whatsapp") } : {}),
    ...(merged.groups ? { groups: merged.groups as Record<string, GroupRule> } : {}),
    settings,
    transportKey: JSON.stringify([
      authDir,
      merged.enabled !== false,
      settings.webSocketUrl ?? null,
      settings.socketModule ?? null,
      merged.watchdogMs ?? null,
    ]),
  };
}
