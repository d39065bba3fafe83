/**
 * Channel accounts as the config describes them: `channels.<id>` is the `default` account unless
 * `channels.<id>.accounts.<accountId>` lists several; an account inherits the root's keys it does not set
 * (a `groups` map replaces the root's whole). The token's source follows upstream: `tokenFile` >
 * `botToken` > `TELEGRAM_BOT_TOKEN` (default account only).
 * @module
 */
import { lstatSync, readFileSync } from "node:fs";
import type { Env } from "../config/paths.js";
import type { OpenClawConfig } from "../config/schema.js";

export type DmPolicy = "pairing" | "allowlist" | "open" | "disabled";
export type GroupPolicy = "open" | "allowlist" | "disabled";

export interface GroupRule {
  readonly requireMention?: boolean | undefined;
  readonly enabled?: boolean | undefined;
  readonly allowFrom?: readonly (string | number)[] | undefined;
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
  readonly dmPolicy: DmPolicy;
  readonly allowFrom: readonly string[];
  readonly groupPolicy: GroupPolicy;
  readonly groupAllowFrom?: readonly string[] | undefined;
  readonly groups?: Readonly<Record<string, GroupRule>> | undefined;
  /** The account's raw settings (root merged with the account), for the adapter. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** A fingerprint of what the transport depends on: a change restarts the account, anything else does not. */
  readonly transportKey: string;
}

/** The channels this gateway can run, in display order. */
export const SUPPORTED_CHANNELS = ["telegram"] as const;
export type SupportedChannel = (typeof SUPPORTED_CHANNELS)[number];
export const CHANNEL_LABELS: Record<string, string> = { telegram: "Telegram" };

const TRANSPORT_KEYS = [
  "apiRoot",
  "pollTimeoutSeconds",
  "stallSeconds",
  "webhookUrl",
  "webhookSecret",
  "webhookPath",
  "webhookHost",
  "webhookPort",
];

/** Sender ids as strings, without the `telegram:`/`tg:` prefixes upstream accepts. */
export function normalizeIds(ids: readonly (string | number)[] | undefined): string[] {
  return (ids ?? [])
    .map((id) =>
      String(id)
        .trim()
        .replace(/^(telegram|tg):/i, ""),
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

/** The accounts of every supported channel that the config mentions. */
export function resolveChannelAccounts(config: OpenClawConfig, env: Env): ChannelAccount[] {
  const out: ChannelAccount[] = [];
  const section = config.channels?.telegram as Record<string, unknown> | undefined;
  if (!section) return out;
  const { accounts: rawAccounts, defaultAccount: _default, ...root } = section;
  const named = (rawAccounts ?? {}) as Record<string, Record<string, unknown>>;
  const ids = Object.keys(named).length > 0 ? Object.keys(named) : ["default"];
  for (const accountId of ids) {
    const merged: Record<string, unknown> = { ...root, ...named[accountId] };
    const file = typeof merged.tokenFile === "string" ? readTokenFile(merged.tokenFile) : undefined;
    let token: string | undefined;
    let tokenSource: ChannelAccount["tokenSource"] = "none";
    if (file?.token) [token, tokenSource] = [file.token, "tokenFile"];
    else if (typeof merged.botToken === "string" && merged.botToken) [token, tokenSource] = [merged.botToken, "config"];
    else if (accountId === "default" && env.TELEGRAM_BOT_TOKEN) [token, tokenSource] = [env.TELEGRAM_BOT_TOKEN, "env"];
    out.push({
      channel: "telegram",
      accountId,
      enabled: merged.enabled !== false,
      configured: token !== undefined,
      token,
      tokenSource,
      ...(file?.error && !token ? { tokenError: file.error } : {}),
      dmPolicy: (merged.dmPolicy as DmPolicy | undefined) ?? "pairing",
      allowFrom: normalizeIds(merged.allowFrom as (string | number)[] | undefined),
      groupPolicy: (merged.groupPolicy as GroupPolicy | undefined) ?? "allowlist",
      ...(merged.groupAllowFrom ? { groupAllowFrom: normalizeIds(merged.groupAllowFrom as (string | number)[]) } : {}),
      ...(merged.groups ? { groups: merged.groups as Record<string, GroupRule> } : {}),
      settings: merged,
      transportKey: JSON.stringify([
        token ?? "",
        merged.enabled !== false,
        ...TRANSPORT_KEYS.map((k) => merged[k] ?? null),
      ]),
    });
  }
  return out;
}
