/**
 * `openclaw channels status|add|remove|login|logout`: status from the running gateway (or from the
 * config alone when it does not answer, said so), the config edits that add or remove an account, and
 * WhatsApp's QR linking (through the running gateway, or in this process when none runs).
 * @module
 */
import type { Command } from "commander";
import {
  CHANNEL_KEYS,
  CHANNEL_LABELS,
  notConfiguredReason,
  resolveChannelAccounts,
  SUPPORTED_CHANNELS,
  type TokenChannel,
} from "../../channels/accounts.js";

/** What a pasted token should look like, to catch a wrong paste before anything is written. */
const TOKEN_FORMATS = {
  telegram: {
    pattern: /^\d+:[\w-]{20,}$/,
    hint: "Copy it from @BotFather (/mybots → API Token): digits, a colon, letters",
  },
  discord: {
    pattern: /^[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}$/,
    hint: "Copy it from the Developer Portal → your application → Bot → Reset Token (three parts separated by dots)",
  },
} as const;
import { loadConfig } from "../../config/load.js";
import type { ConfigEdit } from "../../config/edit.js";
import { updateConfig } from "../../config/update.js";
import type { CliContext } from "../command.js";
import { CliError, EXIT, UsageError } from "../errors.js";
import { addRpcOptions, parseTimeout, withGateway, type RpcOptions } from "../gateway-rpc.js";

type Snapshot = Record<string, unknown> & { accountId: string };

function ago(ms: unknown, now: number): string | undefined {
  if (typeof ms !== "number") return undefined;
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 5) return "just now";
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

/** One line per account, in upstream's layout (`- Telegram default: enabled, configured, …`). Pure. */
export function renderChannelLines(status: Record<string, unknown>, now: number): string[] {
  const order = (status.channelOrder as string[] | undefined) ?? [];
  const accounts = (status.channelAccounts as Record<string, Snapshot[]> | undefined) ?? {};
  const labels = (status.channelLabels as Record<string, string> | undefined) ?? {};
  const lines: string[] = [];
  for (const id of order) {
    for (const a of accounts[id] ?? []) {
      const bot = (a.probe as { bot?: { username?: string }; ok?: boolean; error?: string } | undefined) ?? undefined;
      const parts = [
        a.enabled ? "enabled" : "disabled",
        a.configured ? "configured" : "not configured",
        a.running ? "running" : "stopped",
        String(a.state),
        ago(a.lastInboundAt, now) && `in:${ago(a.lastInboundAt, now)}`,
        ago(a.lastOutboundAt, now) && `out:${ago(a.lastOutboundAt, now)}`,
        ago(a.lastTransportActivityAt, now) && `transport:${ago(a.lastTransportActivityAt, now)}`,
        a.mode ? `mode:${String(a.mode)}` : undefined,
        bot?.bot?.username ? `bot:@${bot.bot.username}` : undefined,
        typeof a.linked === "boolean"
          ? a.linked
            ? "linked"
            : "not linked"
          : `token:${a.tokenSource === "none" ? "none" : `${String(a.tokenSource)} (***)`}`,
        bot ? (bot.ok ? "works" : `probe failed: ${bot.error ?? "no answer"}`) : undefined,
      ].filter(Boolean);
      lines.push(`- ${labels[id] ?? id} ${a.accountId}: ${parts.join(", ")}`);
      if (a.lastError) lines.push(`  error: ${String(a.lastError)}`);
    }
  }
  return lines;
}

/** What the config alone says, when no gateway answers. */
function fromConfig(ctx: CliContext, channel?: string): Record<string, unknown> {
  const accounts = resolveChannelAccounts(
    loadConfig(ctx.paths.configPath, ctx.env).config,
    ctx.env,
    ctx.paths.credentialsDir,
  ).filter((a) => !channel || a.channel === channel);
  const order = SUPPORTED_CHANNELS.filter((id) => accounts.some((a) => a.channel === id));
  return {
    ts: Date.now(),
    source: "config",
    channelOrder: order,
    channelLabels: Object.fromEntries(order.map((id) => [id, CHANNEL_LABELS[id] ?? id])),
    channelAccounts: Object.fromEntries(
      order.map((id) => [
        id,
        accounts
          .filter((a) => a.channel === id)
          .map((a) => ({
            accountId: a.accountId,
            enabled: a.enabled,
            configured: a.configured,
            running: false,
            connected: false,
            state: "stopped",
            tokenSource: a.tokenSource,
            tokenStatus: a.configured ? "available" : "missing",
            lastError: a.tokenError ?? (a.configured ? null : notConfiguredReason(a.channel)),
          })),
      ]),
    ),
  };
}

function checkChannel(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!raw.trim()) throw new UsageError("--channel needs a value", "Example: --channel telegram");
  if (!(SUPPORTED_CHANNELS as readonly string[]).includes(raw))
    throw new UsageError(`unknown channel "${raw}"`, `Channels this gateway runs: ${SUPPORTED_CHANNELS.join(", ")}`);
  return raw;
}

/** Adds (or enables) a WhatsApp account in the config; a second account moves the first under accounts. */
function addWhatsApp(
  ctx: CliContext,
  account: string,
  opts: { authDir?: string | undefined; name?: string | undefined },
) {
  const config = loadConfig(ctx.paths.configPath, ctx.env).config;
  const section = (config.channels as Record<string, unknown> | undefined)?.whatsapp as
    | Record<string, unknown>
    | undefined;
  const named = section?.accounts !== undefined || account !== "default";
  const base = named ? ["channels", "whatsapp", "accounts", account] : ["channels", "whatsapp"];
  const edits: ConfigEdit[] = [{ path: [...base, "enabled"], value: true }];
  if (named && section && section.accounts === undefined && section.authDir !== undefined) {
    edits.push({ path: ["channels", "whatsapp", "accounts", "default", "authDir"], value: section.authDir });
    edits.push({ path: ["channels", "whatsapp", "authDir"], value: undefined });
  }
  if (opts.authDir) edits.push({ path: [...base, "authDir"], value: opts.authDir });
  if (opts.name) edits.push({ path: [...base, "name"], value: opts.name });
  writeChannelEdits(ctx, edits, "channels add");
}

/** A channel command's config edits, checked and written as every config write is. */
function writeChannelEdits(ctx: CliContext, edits: ConfigEdit[], command: string): void {
  updateConfig({
    configPath: ctx.paths.configPath,
    logsDir: ctx.paths.logsDir,
    env: ctx.env,
    edits,
    command,
    now: ctx.now(),
  });
}

/** Whether the config already has this WhatsApp account (enabled). */
function hasWhatsApp(ctx: CliContext, account: string): boolean {
  const config = loadConfig(ctx.paths.configPath, ctx.env).config;
  return resolveChannelAccounts(config, ctx.env, ctx.paths.credentialsDir).some(
    (a) => a.channel === "whatsapp" && a.accountId === account && a.enabled,
  );
}

function checkAccount(raw: string | undefined): string {
  if (raw === undefined) return "default";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw))
    throw new UsageError(`invalid --account "${raw}"`, "Use letters, digits, _ and - (at most 64)");
  return raw;
}

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const channels = program.command("channels").description("Messaging channels: status, add, remove, login, logout");

  addRpcOptions(
    channels
      .command("status")
      .description("Show every channel account and its state, from the running gateway (or the config)")
      .option("--channel <channel>", "only this channel")
      .option("--probe", "also check each account's credentials live (Telegram: getMe)")
      .option("--json", "print as JSON"),
    10_000,
  ).action(async (opts: RpcOptions & { channel?: string; probe?: boolean; json?: boolean }) => {
    const channel = checkChannel(opts.channel);
    const timeoutMs = parseTimeout(opts.timeout, 10_000);
    let status: Record<string, unknown>;
    let note: string | undefined;
    try {
      status = await withGateway(ctx, opts, timeoutMs, (client) =>
        client.call<Record<string, unknown>>(
          "channels.status",
          { probe: opts.probe === true, timeoutMs, ...(channel ? { channel } : {}) },
          timeoutMs + 1000,
        ),
      );
    } catch (error) {
      note = `Gateway not reachable (${(error as Error).message.replace(/^Gateway not reachable: /, "")}): showing the config only.`;
      status = fromConfig(ctx, channel);
    }
    if (opts.json) ctx.printJson(status);
    else {
      if (note) ctx.warn(note);
      const lines = renderChannelLines(status, Date.now());
      ctx.print(
        lines.length
          ? lines.join("\n")
          : "No channels configured. Add one: openclaw channels add --channel telegram --token <token>",
      );
      if (status.skipped) ctx.print(`Channels are off: ${String(status.skipped)}`);
    }
    done(EXIT.ok);
  });

  channels
    .command("add")
    .description("Add or update a channel account in the config (the running gateway starts it)")
    .requiredOption("--channel <channel>", "telegram, discord or whatsapp")
    .option("--account <id>", "account id (default: default)")
    .option("--auth-dir <dir>", "WhatsApp: where the linked device's credentials live")
    .option("--token <token>", "the bot token (Telegram: @BotFather; Discord: Developer Portal → Bot)")
    .option("--token-file <path>", "a file holding the token")
    .option("--use-env", "use TELEGRAM_BOT_TOKEN / DISCORD_BOT_TOKEN from the gateway's environment")
    .option("--name <name>", "a display name")
    .action(
      (opts: {
        channel: string;
        account?: string;
        authDir?: string;
        token?: string;
        tokenFile?: string;
        useEnv?: boolean;
        name?: string;
      }) => {
        const channel = checkChannel(opts.channel)!;
        const account = checkAccount(opts.account);
        if (channel === "whatsapp") {
          if (opts.token || opts.tokenFile || opts.useEnv)
            throw new UsageError(
              "WhatsApp has no bot token: it links by QR",
              "openclaw channels add --channel whatsapp, then openclaw channels login --channel whatsapp",
            );
          addWhatsApp(ctx, account, { authDir: opts.authDir, name: opts.name });
          ctx.print(
            `Added WhatsApp account "${account}" to ${ctx.paths.configPath}. Link it: openclaw channels login --channel whatsapp${account === "default" ? "" : ` --account ${account}`}`,
          );
          done(EXIT.ok);
          return;
        }
        if (opts.authDir) throw new UsageError("--auth-dir is for WhatsApp only", "Drop --auth-dir");
        const given = [opts.token, opts.tokenFile, opts.useEnv].filter(Boolean).length;
        if (given !== 1)
          throw new UsageError(
            "give exactly one of --token, --token-file, --use-env",
            "Example: openclaw channels add --channel telegram --token 123456:ABC…",
          );
        const format = TOKEN_FORMATS[channel as TokenChannel];
        if (opts.token !== undefined && !format.pattern.test(opts.token))
          throw new UsageError(`that does not look like a ${CHANNEL_LABELS[channel]} bot token`, format.hint);
        const keys = CHANNEL_KEYS[channel as TokenChannel];
        if (opts.useEnv && account !== "default")
          throw new UsageError(
            `${keys.env} serves only the default account`,
            "Use --token or --token-file for other accounts",
          );
        const config = loadConfig(ctx.paths.configPath, ctx.env).config;
        const section = ((config.channels as Record<string, unknown> | undefined)?.[channel] ?? {}) as Record<
          string,
          unknown
        >;
        const named = section.accounts !== undefined || account !== "default";
        const base = named ? ["channels", channel, "accounts", account] : ["channels", channel];
        const edits: ConfigEdit[] = [];
        // A second account: the single account's keys move under accounts.default first, as upstream does.
        if (
          named &&
          section.accounts === undefined &&
          (section[keys.token] !== undefined || section.tokenFile !== undefined)
        ) {
          for (const key of [keys.token, "tokenFile"])
            if (section[key] !== undefined) {
              edits.push({ path: ["channels", channel, "accounts", "default", key], value: section[key] });
              edits.push({ path: ["channels", channel, key], value: undefined });
            }
        }
        edits.push({ path: [...base, "enabled"], value: true });
        if (opts.token) edits.push({ path: [...base, keys.token], value: opts.token });
        if (opts.tokenFile) edits.push({ path: [...base, "tokenFile"], value: opts.tokenFile });
        if (opts.name) edits.push({ path: [...base, "name"], value: opts.name });
        writeChannelEdits(ctx, edits, "channels add");
        ctx.print(
          `Added ${CHANNEL_LABELS[channel]} account "${account}" to ${ctx.paths.configPath}${opts.useEnv ? ` (token from ${keys.env})` : ""}. A running gateway starts it within a second; check: openclaw channels status --probe`,
        );
        done(EXIT.ok);
      },
    );

  registerLogin(channels, ctx, done);

  channels
    .command("remove")
    .description("Disable a channel account (--delete removes it from the config)")
    .requiredOption("--channel <channel>", "telegram, discord or whatsapp")
    .option("--account <id>", "account id (default: default)")
    .option("--delete", "remove its keys, token included")
    .action((opts: { channel: string; account?: string; delete?: boolean }) => {
      const channel = checkChannel(opts.channel)!;
      const account = checkAccount(opts.account);
      const config = loadConfig(ctx.paths.configPath, ctx.env).config;
      const section = (config.channels as Record<string, unknown> | undefined)?.[channel] as
        | Record<string, unknown>
        | undefined;
      const accounts = section?.accounts as Record<string, unknown> | undefined;
      const exists = accounts ? accounts[account] !== undefined : section !== undefined && account === "default";
      if (!exists)
        throw new CliError(`${CHANNEL_LABELS[channel]} has no account "${account}" in ${ctx.paths.configPath}`, {
          hint: "See them: openclaw channels status",
        });
      const path = accounts ? ["channels", channel, "accounts", account] : ["channels", channel];
      writeChannelEdits(
        ctx,
        [opts.delete ? { path, value: undefined } : { path: [...path, "enabled"], value: false }],
        "channels remove",
      );
      ctx.print(
        opts.delete
          ? `Removed ${CHANNEL_LABELS[channel]} account "${account}" from the config.`
          : `Disabled ${CHANNEL_LABELS[channel]} account "${account}" (its settings are kept; --delete removes them).`,
      );
      done(EXIT.ok);
    });
}

function registerLogin(channels: Command, ctx: CliContext, done: (code: number) => void): void {
  addRpcOptions(
    channels
      .command("login")
      .description("Link WhatsApp by QR code (through the running gateway, or in this process when none runs)")
      .requiredOption("--channel <channel>", "whatsapp")
      .option("--account <id>", "account id (default: default)")
      .option("--force", "unlink the current device first and link anew"),
    300_000,
  ).action(async (opts: RpcOptions & { channel: string; account?: string; force?: boolean }) => {
    const channel = checkChannel(opts.channel)!;
    if (channel !== "whatsapp")
      throw new UsageError(
        `${CHANNEL_LABELS[channel]} does not link by QR`,
        `Give it a bot token: openclaw channels add --channel ${channel} --token <token>`,
      );
    const account = checkAccount(opts.account);
    if (!hasWhatsApp(ctx, account)) {
      addWhatsApp(ctx, account, {});
      ctx.print(`Added WhatsApp account "${account}" to ${ctx.paths.configPath}.`);
    }
    const { loginWhatsApp } = await import("./channels-login.js");
    const linked = await loginWhatsApp(ctx, opts, account, opts.force === true);
    done(linked ? EXIT.ok : EXIT.failure);
  });

  addRpcOptions(
    channels
      .command("logout")
      .description("Unlink WhatsApp and delete its credentials")
      .requiredOption("--channel <channel>", "whatsapp")
      .option("--account <id>", "account id (default: default)"),
    30_000,
  ).action(async (opts: RpcOptions & { channel: string; account?: string }) => {
    const channel = checkChannel(opts.channel)!;
    const account = checkAccount(opts.account);
    if (channel !== "whatsapp")
      throw new UsageError(
        `${CHANNEL_LABELS[channel]} has no session to unlink`,
        `Its credential is the bot token: openclaw channels remove --channel ${channel} --delete`,
      );
    const { logoutWhatsApp } = await import("./channels-login.js");
    await logoutWhatsApp(ctx, opts, account);
    done(EXIT.ok);
  });
}
