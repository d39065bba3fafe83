/**
 * Telegram over the Bot API with grammY's client: long polling with offsets kept across restarts,
 * capped backoff with jitter, a watchdog that reports a stalled poll instead of staying "connected",
 * 401 as a terminal error and 409 (another poller) as one that is retried. Loaded only when a Telegram
 * account is enabled.
 * @module
 */
// The web build: ESM on the platform fetch, so the bundle keeps only the API client (not Bot, Context, keyboards).
import { Api, GrammyError, HttpError } from "grammy/web";
import type { Message, Update } from "@grammyjs/types";
import {
  MarkupRejectedError,
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
import { markdownToTelegramHtml } from "./markup.js";
import { listenForUpdates, type WebhookListener } from "./webhook.js";

/** Telegram's own limit is 4096; upstream's default chunk is 4000. */
export const TELEGRAM_TEXT_LIMIT = 4000;
const BACKOFF_INITIAL_MS = 1000;
const BACKOFF_MAX_MS = 60_000;

interface TelegramSettings {
  apiRoot?: string;
  /** Long-poll timeout in seconds (Telegram's maximum is 50). */
  pollTimeoutSeconds: number;
  /** No completed poll for this long while "connected": reported as a stall and restarted. */
  stallSeconds: number;
  textChunkLimit: number;
  /** Webhook mode, when `webhookUrl` is set (the schema requires `webhookSecret` with it). */
  webhook?: { url: string; secret: string; path: string; host: string; port: number };
}

export function telegramSettings(raw: Readonly<Record<string, unknown>>): TelegramSettings {
  const num = numberSetting;
  const pollTimeoutSeconds = num(raw.pollTimeoutSeconds, 30, 0, 50);
  return {
    ...(typeof raw.apiRoot === "string" && raw.apiRoot ? { apiRoot: raw.apiRoot.replace(/\/+$/, "") } : {}),
    pollTimeoutSeconds,
    stallSeconds: num(raw.stallSeconds, pollTimeoutSeconds + 30, 1, 600),
    textChunkLimit: num(raw.textChunkLimit, TELEGRAM_TEXT_LIMIT, 1, 4096),
    ...(typeof raw.webhookUrl === "string" && typeof raw.webhookSecret === "string"
      ? {
          webhook: {
            url: raw.webhookUrl,
            secret: raw.webhookSecret,
            path: typeof raw.webhookPath === "string" ? raw.webhookPath : "/telegram-webhook",
            host: typeof raw.webhookHost === "string" ? raw.webhookHost : "127.0.0.1",
            port: num(raw.webhookPort, 8787, 0, 65535),
          },
        }
      : {}),
  };
}

/** grammY's types name the abort-controller polyfill's signal class; its web build takes the platform's. */
type GrammySignal = NonNullable<Parameters<Api["getMe"]>[0]>;
const grammySignal = (signal: AbortSignal) => signal as unknown as GrammySignal;

/** Telegram's answer code of a failed call, when it had one. */
function errorCode(error: unknown): number | undefined {
  return error instanceof GrammyError ? error.error_code : undefined;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

class TelegramAdapter implements ChannelAdapter {
  readonly textLimit: number;
  readonly #account: AdapterAccount;
  readonly #host: AdapterHost;
  readonly #settings: TelegramSettings;
  readonly #api: Api;
  readonly #stopped = new AbortController();
  #request: AbortController | undefined;
  #bot: { id: number; username: string } | undefined;
  #loop: Promise<void> | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #listener: WebhookListener | undefined;
  #lastPollAt = 0;
  #connected = false;
  #attempts = 0;
  /** Settled by the first outcome of `start`: connected, refused, or failing with a reason. */
  #resolveFirst: () => void = () => undefined;
  readonly #firstOutcome = new Promise<void>((resolve) => (this.#resolveFirst = resolve));

  /** `telegram:123` and `tg:123`, as upstream accepts them. */
  chatIdFor(to: string): string {
    return to.replace(/^(telegram|tg):/i, "");
  }

  constructor(account: AdapterAccount, host: AdapterHost) {
    this.#account = account;
    this.#host = host;
    this.#settings = telegramSettings(account.settings);
    this.textLimit = this.#settings.textChunkLimit;
    this.#api = new Api(account.token, {
      ...(this.#settings.apiRoot ? { apiRoot: this.#settings.apiRoot } : {}),
      timeoutSeconds: this.#settings.pollTimeoutSeconds + 15,
    });
  }

  async start(): Promise<void> {
    this.#host.state({
      running: true,
      connected: false,
      mode: this.#settings.webhook ? "webhook" : "polling",
      terminal: false,
    });
    this.#loop = this.#run();
    // The first outcome (connected, or the reason it is not) is known once getMe has answered.
    await Promise.race([this.#firstOutcome, this.#loop]);
  }

  async stop(timeoutMs: number): Promise<void> {
    this.#stopped.abort();
    this.#request?.abort();
    clearInterval(this.#watchdog);
    // The webhook stays registered: Telegram keeps the updates and retries until the gateway is back.
    await this.#listener?.close();
    if (this.#loop) await Promise.race([this.#loop, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    this.#host.state({ running: false, connected: false });
  }

  async probe(timeoutMs: number): Promise<ProbeOutcome> {
    const started = Date.now();
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), this.#stopped.signal]);
    try {
      const me = await this.#api.getMe(grammySignal(signal));
      return { ok: true, status: 200, elapsedMs: Date.now() - started, bot: me as unknown as Record<string, unknown> };
    } catch (error) {
      return {
        ok: false,
        status: errorCode(error),
        error: this.#describe(error, "getMe"),
        elapsedMs: Date.now() - started,
      };
    }
  }

  async send(target: OutboundTarget, text: string, options: { plain: boolean }): Promise<{ messageId: string }> {
    try {
      const sent = await this.#api.sendMessage(target.chatId, options.plain ? text : markdownToTelegramHtml(text), {
        ...(options.plain ? {} : { parse_mode: "HTML" as const }),
        ...(target.threadId ? { message_thread_id: Number(target.threadId) } : {}),
        ...(target.replyToId
          ? { reply_parameters: { message_id: Number(target.replyToId), allow_sending_without_reply: true } }
          : {}),
      });
      this.#host.state({ lastTransportActivityAt: Date.now() });
      return { messageId: String(sent.message_id) };
    } catch (error) {
      const code = errorCode(error);
      const description = error instanceof GrammyError ? error.description : "";
      if (code === 400 && /can't parse entities|unsupported start tag|can't find end/i.test(description))
        throw new MarkupRejectedError(description);
      if (code === 403 || (code === 400 && /chat not found|user is deactivated|bot was blocked/i.test(description)))
        throw new PermanentSendError(`Telegram refused the message (${code}: ${description})`);
      throw new Error(this.#describe(error, "sendMessage"), { cause: error });
    }
  }

  async typing(target: OutboundTarget): Promise<void> {
    await this.#api.sendChatAction(
      target.chatId,
      "typing",
      target.threadId ? { message_thread_id: Number(target.threadId) } : {},
    );
  }

  /**
   * Connects (getMe, then the webhook set or removed), then long-polls, or in webhook mode watches what
   * Telegram says of its deliveries, until stopped; every failure has a state and a next step.
   */
  async #run(): Promise<void> {
    const stopped = this.#stopped.signal;
    const webhook = this.#settings.webhook;
    while (!stopped.aborted && !this.#bot) {
      try {
        const me = await this.#api.getMe(grammySignal(stopped));
        if (webhook) await this.#setWebhook(webhook);
        else await this.#api.deleteWebhook({ drop_pending_updates: false }, grammySignal(stopped));
        this.#bot = { id: me.id, username: me.username };
      } catch (error) {
        if (stopped.aborted) break;
        if (error instanceof WebhookSetupError) return this.#terminal(error, "setWebhook", error.message);
        if (errorCode(error) === 401) return this.#terminal(error, "getMe");
        await this.#backoff(error, webhook ? "setWebhook" : "getMe");
      }
    }
    if (webhook && !stopped.aborted) return this.#watchWebhook(webhook);
    this.#watchdog = setInterval(() => this.#checkStall(), Math.min(5000, this.#settings.stallSeconds * 250));
    this.#watchdog.unref();
    let offset = Number(this.#host.cursor.load() ?? 0) || undefined;
    while (!stopped.aborted) {
      this.#request = new AbortController();
      try {
        // A short first poll (as upstream drains): it confirms the connection at once instead of after a
        // whole long-poll timeout; the long polls follow.
        const timeout = this.#connected ? this.#settings.pollTimeoutSeconds : 0;
        const updates: Update[] = await this.#api.getUpdates(
          { timeout, limit: 100, allowed_updates: ["message"], ...(offset ? { offset } : {}) },
          grammySignal(AbortSignal.any([stopped, this.#request.signal])),
        );
        this.#polled();
        for (const update of updates) {
          offset = update.update_id + 1;
          const message = this.#normalize(update);
          if (message) this.#host.inbound(message);
        }
        if (updates.length > 0) this.#host.cursor.save(String(offset));
      } catch (error) {
        if (stopped.aborted) break;
        if (errorCode(error) === 401) return this.#terminal(error, "getUpdates");
        await this.#backoff(error, "getUpdates");
      }
    }
  }

  #polled(): void {
    const now = Date.now();
    this.#lastPollAt = now;
    this.#attempts = 0;
    if (!this.#connected) {
      this.#connected = true;
      this.#host.log.info("telegram connected", { account: this.#account.accountId, bot: this.#bot?.username });
      this.#host.state({ connected: true, lastConnectedAt: now, lastError: null, reconnectAttempts: 0 });
    }
    this.#host.state({ lastTransportActivityAt: now });
    this.#resolveFirst();
  }

  /** A poll that has not come back long after its timeout: the connection is dead even if no error says so. */
  #checkStall(): void {
    if (!this.#connected) return;
    const silentMs = Date.now() - this.#lastPollAt;
    if (silentMs < this.#settings.stallSeconds * 1000) return;
    this.#connected = false;
    this.#host.state({
      connected: false,
      lastError: `stalled: no poll completed for ${Math.round(silentMs / 1000)} s (network or Bot API not answering); reconnecting`,
    });
    this.#host.log.warn("telegram poll stalled", { account: this.#account.accountId, silentMs });
    this.#request?.abort();
  }

  /** Listens, then registers the URL and secret with Telegram (a refusal other than 401 cannot heal by itself). */
  async #setWebhook(webhook: NonNullable<TelegramSettings["webhook"]>): Promise<void> {
    if (!this.#listener) {
      try {
        this.#listener = await listenForUpdates({
          host: webhook.host,
          port: webhook.port,
          path: webhook.path,
          secret: webhook.secret,
          onUpdate: (update) => {
            this.#host.state({ lastTransportActivityAt: Date.now() });
            const message = this.#normalize(update as Update);
            if (message) this.#host.inbound(message);
          },
        });
      } catch (error) {
        throw new WebhookSetupError(
          `cannot listen for the webhook on ${webhook.host}:${webhook.port} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): set channels.telegram.webhookPort to a free port`,
        );
      }
    }
    try {
      await this.#api.setWebhook(
        webhook.url,
        { secret_token: webhook.secret, allowed_updates: ["message"], drop_pending_updates: false },
        grammySignal(this.#stopped.signal),
      );
    } catch (error) {
      if (errorCode(error) === 400)
        throw new WebhookSetupError(
          `Telegram refused the webhook ${webhook.url} (${(error as GrammyError).description}): it must be a public https:// URL that reaches ${webhook.host}:${this.#listener.port}${webhook.path}`,
        );
      throw error;
    }
  }

  /**
   * Webhook mode's liveness: Telegram itself reports failed deliveries in getWebhookInfo, so "connected"
   * means it delivered (or had nothing to deliver) since the last look, not just that a listener is up.
   */
  async #watchWebhook(webhook: NonNullable<TelegramSettings["webhook"]>): Promise<void> {
    const stopped = this.#stopped.signal;
    this.#polled();
    let since = Math.floor(Date.now() / 1000);
    while (!stopped.aborted) {
      await sleep(this.#settings.stallSeconds * 1000, stopped);
      if (stopped.aborted) break;
      try {
        const info = await this.#api.getWebhookInfo(grammySignal(stopped));
        const failedAt = info.last_error_date ?? 0;
        if (info.url !== webhook.url) {
          // Someone else set or removed it (a second gateway, a script): take it back.
          this.#connected = false;
          this.#host.state({
            connected: false,
            lastError: `the webhook was changed elsewhere (now ${info.url || "none"}); setting it again`,
          });
          await this.#setWebhook(webhook);
          this.#polled();
        } else if (failedAt > since) {
          this.#connected = false;
          this.#host.state({
            connected: false,
            lastError: `Telegram cannot deliver to ${webhook.url}: ${info.last_error_message ?? "unknown error"} (${info.pending_update_count} updates waiting); check the proxy or tunnel in front of ${webhook.host}:${this.#listener?.port ?? webhook.port}`,
          });
        } else this.#polled();
        since = Math.max(since, failedAt);
      } catch (error) {
        if (stopped.aborted) break;
        if (error instanceof WebhookSetupError) return this.#terminal(error, "setWebhook", error.message);
        if (errorCode(error) === 401) return this.#terminal(error, "getWebhookInfo");
        await this.#backoff(error, "getWebhookInfo");
      }
    }
  }

  #terminal(error: unknown, method: string, reason?: string): void {
    const message =
      reason ??
      `Telegram bot token unauthorized for account "${this.#account.accountId}" (${method} returned 401): check channels.telegram.botToken (or tokenFile, TELEGRAM_BOT_TOKEN) with @BotFather, then: openclaw channels start --channel telegram`;
    this.#connected = false;
    const listener = this.#listener;
    this.#listener = undefined;
    void listener?.close(); // a stopped account holds no port
    this.#host.log.error("telegram account stopped", {
      account: this.#account.accountId,
      error: this.#describe(error, method),
    });
    this.#host.state({ connected: false, running: false, terminal: true, lastError: message });
    this.#resolveFirst();
  }

  async #backoff(error: unknown, method: string): Promise<void> {
    this.#attempts++;
    const lastError =
      errorCode(error) === 409
        ? "409 Conflict: another poller uses this bot token (a second gateway, a script, or a webhook); stop it, or give this account its own bot. Retrying."
        : this.#describe(error, method);
    if (this.#connected)
      this.#host.log.warn("telegram disconnected", { account: this.#account.accountId, error: lastError });
    this.#connected = false;
    this.#host.state({ connected: false, lastError, reconnectAttempts: this.#attempts });
    this.#resolveFirst();
    const retryAfter = error instanceof GrammyError ? (error.parameters.retry_after ?? 0) * 1000 : 0;
    const exponential = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** Math.min(this.#attempts - 1, 10));
    const delay = Math.max(retryAfter, exponential * (0.8 + Math.random() * 0.4));
    await sleep(Math.min(delay, BACKOFF_MAX_MS), this.#stopped.signal);
  }

  #describe(error: unknown, method: string): string {
    if (error instanceof GrammyError) return `${method} failed: ${error.error_code} ${error.description}`;
    if (error instanceof HttpError) {
      // fetch's "fetch failed" carries the system error (ECONNREFUSED, ENOTFOUND…) as its cause.
      const cause = error.error as
        | { message?: string; code?: string; cause?: { code?: string; message?: string } }
        | undefined;
      const reason = cause?.cause?.code ?? cause?.code ?? cause?.cause?.message ?? cause?.message ?? error.message;
      return `${method}: cannot reach the Bot API (${reason}); check the network or channels.telegram.apiRoot`;
    }
    return `${method} failed: ${(error as Error).message}`;
  }

  #normalize(update: Update): InboundMessage | undefined {
    const message: Message | undefined = update.message;
    if (!message || !message.from) return undefined;
    const text = message.text ?? message.caption;
    if (text === undefined) return undefined;
    const bot = this.#bot;
    const entities = message.entities ?? message.caption_entities ?? [];
    const mentioned =
      entities.some(
        (e) =>
          (e.type === "mention" &&
            bot !== undefined &&
            text.slice(e.offset, e.offset + e.length).toLowerCase() === `@${bot.username.toLowerCase()}`) ||
          (e.type === "text_mention" && e.user.id === bot?.id),
      ) || message.reply_to_message?.from?.id === bot?.id;
    const name = [message.from.first_name, message.from.last_name].filter(Boolean).join(" ");
    return {
      channel: "telegram",
      accountId: this.#account.accountId,
      chatType: message.chat.type === "private" ? "dm" : "group",
      chatId: String(message.chat.id),
      senderId: String(message.from.id),
      ...(name ? { senderName: name } : {}),
      ...(message.from.username ? { senderUsername: message.from.username } : {}),
      text,
      messageId: String(message.message_id),
      ...(message.reply_to_message ? { replyToId: String(message.reply_to_message.message_id) } : {}),
      mentioned,
      ...(message.message_thread_id ? { threadId: String(message.message_thread_id) } : {}),
      deliveryId: String(update.update_id),
      fromBot: message.from.is_bot,
    };
  }
}

/** A webhook that cannot be set up as configured: terminal until the config changes. */
class WebhookSetupError extends Error {
  override name = "WebhookSetupError";
}

export const createAdapter: AdapterFactory = (account, host) => new TelegramAdapter(account, host);
