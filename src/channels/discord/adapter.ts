/**
 * Discord over its gateway WebSocket and REST API, with discord.js's own low-level packages
 * (`@discordjs/ws`, `@discordjs/rest`): half the size and 40% quicker to load than discord.js itself,
 * and the shard's events are ours to read, so liveness is what the socket does, not that it exists.
 * Loaded only when a Discord account is enabled. `DISCORD_API_URL` (a versioned REST base) replaces the API
 * and thereby the gateway discovery, as upstream; plain http only to loopback.
 * @module
 */
import { DiscordAPIError, REST } from "@discordjs/rest";
import { SimpleShardingStrategy, WebSocketManager, WebSocketShardEvents } from "@discordjs/ws";
import {
  GatewayDispatchEvents,
  GatewayIntentBits,
  Routes,
  type APIMessage,
  type APIUser,
  type GatewayDispatchPayload,
} from "discord-api-types/v10";
import {
  numberSetting,
  PermanentSendError,
  type AdapterAccount,
  type AdapterFactory,
  type AdapterHost,
  type ChannelAdapter,
  type InboundMessage,
  type OutboundTarget,
  type ProbeOutcome,
} from "../contract.js";

export const DISCORD_TEXT_LIMIT = 2000;
export const DISCORD_LINE_LIMIT = 17;

/** Close codes after which reconnecting with the same settings cannot work (Discord's gateway docs). */
const FATAL_CLOSE: Record<number, string> = {
  4004: "Discord refused the bot token (4004 authentication failed): check channels.discord.token (or DISCORD_BOT_TOKEN) in the Developer Portal → Bot → Reset Token",
  4010: "invalid shard (4010)",
  4011: "sharding required (4011): the bot is in too many guilds for one connection",
  4012: "invalid API version (4012)",
  4013: "invalid intents (4013)",
  4014: "the Message Content intent is not enabled (4014 disallowed intents): Developer Portal → your app → Bot → Privileged Gateway Intents → Message Content Intent, or set channels.discord.intents.messageContent false (then only DMs and mentions carry text)",
};

interface DiscordSettings {
  api: string;
  version: string;
  messageContent: boolean;
  stallSeconds: number;
  textChunkLimit: number;
  maxLinesPerMessage: number;
}

const isLoopbackHost = (host: string) => /^(127\.|localhost$|\[?::1\]?$)/.test(host);

const num = numberSetting;

/** `DISCORD_API_URL` as REST's base and version; plain http only to loopback. Throws what to fix. */
export function discordSettings(raw: Readonly<Record<string, unknown>>): DiscordSettings {
  let api = "https://discord.com/api";
  let version = "10";
  if (typeof raw.apiUrl === "string" && raw.apiUrl) {
    const url = new URL(raw.apiUrl);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname)))
      throw new Error(`DISCORD_API_URL ${raw.apiUrl}: use https://, or plain http:// only to loopback`);
    const match = /^(.*?)\/v(\d+)\/?$/.exec(url.href);
    [api, version] = match ? [match[1]!, match[2]!] : [url.href.replace(/\/$/, ""), "10"];
  }
  const intents = (raw.intents ?? {}) as { messageContent?: unknown };
  return {
    api,
    version,
    messageContent: intents.messageContent !== false,
    stallSeconds: num(raw.stallSeconds, 120, 1, 600),
    textChunkLimit: num(raw.textChunkLimit, DISCORD_TEXT_LIMIT, 1, DISCORD_TEXT_LIMIT),
    maxLinesPerMessage: num(raw.maxLinesPerMessage, DISCORD_LINE_LIMIT, 1, 1000),
  };
}

/** Markdown characters escaped, for a plain-text send. */
const escapeMarkdown = (text: string) => text.replace(/([\\*_~`|>])/g, "\\$1");

class DiscordAdapter implements ChannelAdapter {
  readonly textLimit: number;
  readonly lineLimit: number;
  readonly #account: AdapterAccount;
  readonly #host: AdapterHost;
  readonly #settings: DiscordSettings;
  readonly #rest: REST;
  #gateway: WebSocketManager | undefined;
  #bot: { id: string; username: string } | undefined;
  #connected = false;
  #stopped = false;
  #attempts = 0;
  #lastSignalAt = 0;
  #watchdog: NodeJS.Timeout | undefined;
  #resolveFirst: () => void = () => undefined;
  readonly #firstOutcome = new Promise<void>((resolve) => (this.#resolveFirst = resolve));

  /** `discord:<id>` and `channel:<id>` name the channel id. */
  chatIdFor(to: string): string {
    return to.replace(/^(discord|channel):/i, "");
  }

  constructor(account: AdapterAccount, host: AdapterHost) {
    this.#account = account;
    this.#host = host;
    this.#settings = discordSettings(account.settings);
    this.textLimit = this.#settings.textChunkLimit;
    this.lineLimit = this.#settings.maxLinesPerMessage;
    this.#rest = new REST({
      api: this.#settings.api,
      version: this.#settings.version,
      retries: 1,
      timeout: 15_000,
    }).setToken(account.token);
  }

  async start(): Promise<void> {
    this.#host.state({ running: true, connected: false, mode: "gateway", terminal: false });
    try {
      const me = (await this.#rest.get(Routes.user())) as APIUser;
      this.#bot = { id: me.id, username: me.username };
    } catch (error) {
      if (error instanceof DiscordAPIError && error.status === 401) return this.#terminal(FATAL_CLOSE[4004]!);
      this.#host.state({ lastError: this.#describe(error, "GET /users/@me") });
    }
    const gateway = new WebSocketManager({
      token: this.#account.token,
      intents:
        GatewayIntentBits.Guilds |
        GatewayIntentBits.GuildMessages |
        GatewayIntentBits.DirectMessages |
        (this.#settings.messageContent ? GatewayIntentBits.MessageContent : 0),
      rest: this.#rest,
      shardCount: 1,
      version: this.#settings.version,
      buildStrategy: (manager) => new SimpleShardingStrategy(manager),
    });
    this.#gateway = gateway;
    gateway.on(WebSocketShardEvents.Ready, (data) => {
      this.#bot = { id: data.user.id, username: data.user.username };
      this.#up();
    });
    gateway.on(WebSocketShardEvents.Resumed, () => this.#up());
    gateway.on(WebSocketShardEvents.HeartbeatComplete, () => this.#signal());
    gateway.on(WebSocketShardEvents.Dispatch, (payload) => {
      this.#signal();
      this.#dispatch(payload);
    });
    gateway.on(WebSocketShardEvents.Closed, (code) => this.#closed(code));
    gateway.on(WebSocketShardEvents.Error, (error) => {
      this.#host.state({ lastError: `gateway error: ${error.message}` });
    });
    this.#watchdog = setInterval(() => this.#checkStall(), Math.min(5000, this.#settings.stallSeconds * 250));
    this.#watchdog.unref();
    void this.#connect(gateway);
    await this.#firstOutcome;
  }

  /**
   * The first connection, retried with capped exponential backoff and jitter while it cannot be made
   * (network down, Discord unreachable); once connected, the library resumes and reconnects by itself.
   */
  async #connect(gateway: WebSocketManager): Promise<void> {
    for (let attempt = 0; !this.#stopped && this.#gateway === gateway; attempt++) {
      try {
        await gateway.connect();
        return;
      } catch (error) {
        if (this.#stopped) return;
        if (error instanceof DiscordAPIError && error.status === 401) return this.#terminal(FATAL_CLOSE[4004]!);
        // The library turns some fatal close codes into a rejected connect instead of a close event.
        const message = (error as Error).message ?? "";
        if (/disallowed intent/i.test(message)) return this.#terminal(FATAL_CLOSE[4014]!);
        if (/authentication failed/i.test(message)) return this.#terminal(FATAL_CLOSE[4004]!);
        this.#attempts++;
        this.#host.state({
          connected: false,
          lastError: `${this.#describe(error, "gateway connect")}; retrying`,
          reconnectAttempts: this.#attempts,
        });
        this.#resolveFirst();
        const delay = Math.min(60_000, 1000 * 2 ** Math.min(attempt, 6)) * (0.8 + Math.random() * 0.4);
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
  }

  async stop(timeoutMs: number): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#watchdog);
    const gateway = this.#gateway;
    this.#gateway = undefined;
    if (gateway)
      await Promise.race([
        Promise.resolve(gateway.destroy({ reason: "stopping", code: 1000 })).catch(() => undefined),
        new Promise((r) => setTimeout(r, timeoutMs).unref()),
      ]);
    this.#rest.clearHashSweeper();
    this.#rest.clearHandlerSweeper();
    this.#connected = false;
    this.#host.state({ running: false, connected: false });
    this.#resolveFirst();
  }

  async probe(timeoutMs: number): Promise<ProbeOutcome> {
    const started = Date.now();
    try {
      const me = (await this.#rest.get(Routes.user(), { signal: AbortSignal.timeout(timeoutMs) })) as unknown as Record<
        string,
        unknown
      >;
      return { ok: true, status: 200, elapsedMs: Date.now() - started, bot: me };
    } catch (error) {
      return {
        ok: false,
        status: error instanceof DiscordAPIError ? error.status : undefined,
        error: this.#describe(error, "GET /users/@me"),
        elapsedMs: Date.now() - started,
      };
    }
  }

  async send(target: OutboundTarget, text: string, options: { plain: boolean }): Promise<{ messageId: string }> {
    try {
      const sent = (await this.#rest.post(Routes.channelMessages(target.chatId), {
        body: {
          content: options.plain ? escapeMarkdown(text) : text,
          allowed_mentions: { parse: [] }, // the model's text never pings @everyone or anyone else
          ...(target.replyToId
            ? { message_reference: { message_id: target.replyToId, fail_if_not_exists: false } }
            : {}),
        },
      })) as APIMessage;
      this.#host.state({ lastTransportActivityAt: Date.now() });
      return { messageId: sent.id };
    } catch (error) {
      if (error instanceof DiscordAPIError && [401, 403, 404].includes(error.status))
        throw new PermanentSendError(`Discord refused the message (${error.status}: ${error.message})`);
      throw new Error(this.#describe(error, "POST /channels/…/messages"), { cause: error });
    }
  }

  async typing(target: OutboundTarget): Promise<void> {
    await this.#rest.post(Routes.channelTyping(target.chatId));
  }

  #up(): void {
    const now = Date.now();
    this.#lastSignalAt = now;
    this.#attempts = 0;
    if (!this.#connected) {
      this.#connected = true;
      this.#host.log.info("discord connected", { account: this.#account.accountId, bot: this.#bot?.username });
      this.#host.state({
        connected: true,
        lastConnectedAt: now,
        lastError: null,
        reconnectAttempts: 0,
        lastTransportActivityAt: now,
      });
    }
    this.#resolveFirst();
  }

  #signal(): void {
    this.#lastSignalAt = Date.now();
    this.#host.state({ lastTransportActivityAt: this.#lastSignalAt });
  }

  #closed(code: number): void {
    if (this.#stopped) return;
    const fatal = FATAL_CLOSE[code];
    if (fatal) return this.#terminal(fatal);
    this.#attempts++;
    this.#connected = false;
    this.#host.log.warn("discord disconnected", { account: this.#account.accountId, code });
    this.#host.state({
      connected: false,
      lastError: `gateway closed (${code}); reconnecting`,
      reconnectAttempts: this.#attempts,
    });
  }

  /**
   * A connection that receives neither heartbeat ACKs nor events is dead even if no close says so
   * (upstream's most reported Discord fault): shown as disconnected until the library's own zombie check
   * reconnects it, or until we make it.
   */
  #checkStall(): void {
    if (!this.#connected) return;
    const silentMs = Date.now() - this.#lastSignalAt;
    if (silentMs < this.#settings.stallSeconds * 1000) return;
    this.#connected = false;
    this.#host.log.warn("discord connection silent: reconnecting", { account: this.#account.accountId, silentMs });
    this.#host.state({
      connected: false,
      lastError: `no heartbeat ACK or event for ${Math.round(silentMs / 1000)} s (a zombie connection); reconnecting`,
    });
    const gateway = this.#gateway;
    if (gateway)
      void Promise.resolve(gateway.destroy({ reason: "zombie connection", code: 4000 }))
        .then(() => (this.#stopped ? undefined : gateway.connect()))
        .catch((error: unknown) => this.#host.state({ lastError: this.#describe(error, "gateway reconnect") }));
  }

  #terminal(message: string): void {
    this.#connected = false;
    clearInterval(this.#watchdog);
    const gateway = this.#gateway;
    this.#gateway = undefined;
    void Promise.resolve(gateway?.destroy({ reason: "terminal", code: 1000 })).catch(() => undefined);
    this.#host.log.error("discord account stopped", { account: this.#account.accountId, error: message });
    this.#host.state({ connected: false, running: false, terminal: true, lastError: message });
    this.#resolveFirst();
  }

  #describe(error: unknown, what: string): string {
    if (error instanceof DiscordAPIError) return `${what} failed: ${error.status} ${error.message}`;
    const cause = (error as { cause?: { code?: string } }).cause;
    return `${what}: cannot reach Discord (${cause?.code ?? (error as Error).message}); check the network or DISCORD_API_URL`;
  }

  #dispatch(payload: GatewayDispatchPayload): void {
    if (payload.t !== GatewayDispatchEvents.MessageCreate) return;
    const d = payload.d;
    const bot = this.#bot;
    if (!bot || d.author.id === bot.id) return; // our own messages never come back as input
    const mention = new RegExp(`<@!?${bot.id}>`, "g");
    const mentioned =
      d.mentions.some((u) => u.id === bot.id) || d.referenced_message?.author.id === bot.id || mention.test(d.content);
    const text = d.content.replace(mention, "").trim();
    const message: InboundMessage = {
      channel: "discord",
      accountId: this.#account.accountId,
      chatType: d.guild_id ? "group" : "dm",
      chatId: d.channel_id,
      ...(d.guild_id ? { groupId: d.guild_id } : {}),
      senderId: d.author.id,
      ...(d.author.global_name ? { senderName: d.author.global_name } : {}),
      senderUsername: d.author.username,
      text,
      messageId: d.id,
      ...(d.message_reference?.message_id ? { replyToId: d.message_reference.message_id } : {}),
      mentioned,
      deliveryId: d.id,
      fromBot: d.author.bot === true,
      ...(d.member?.roles ? { senderRoles: d.member.roles } : {}),
    };
    this.#host.inbound(message);
  }
}

export const createAdapter: AdapterFactory = (account, host) => new DiscordAdapter(account, host);
