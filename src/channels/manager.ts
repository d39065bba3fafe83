/**
 * The channel manager: one for all channels. It starts each enabled account's adapter (after the gateway
 * is ready, importing a channel's library only when that channel has an enabled account), follows its
 * state, and owns what happens to a message: dedupe, access policy and pairing, routing to a session,
 * one turn at a time per session, chunked delivery with retries and a record of where the reply went.
 * The gateway passes in the turn runner and the transcript recorder, so imports only go down.
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Env } from "../config/paths.js";
import type { OpenClawConfig } from "../config/schema.js";
import { atomicWriteFile } from "../files/fs-safe.js";
import type { Logger } from "../logging/logger.js";
import {
  CHANNEL_LABELS,
  notConfiguredReason,
  resolveChannelAccounts,
  SUPPORTED_CHANNELS,
  type ChannelAccount,
} from "./accounts.js";
import { clearAuthDir } from "./whatsapp/auth-store.js";
import { qrDataUrl } from "./whatsapp/qr.js";
import {
  initialTransportState,
  MarkupRejectedError,
  PermanentSendError,
  type AdapterFactory,
  type ChannelAdapter,
  type InboundMessage,
  type OutboundTarget,
  type ProbeOutcome,
  type TransportState,
} from "./contract.js";
import { chunkText, sessionKeyFor, type DmScope } from "./delivery.js";
import { PairingFileError, PairingStore } from "./pairing.js";

export type ChannelStateWord = "connected" | "connecting" | "disconnected" | "error" | "stopped";

/** Where a turn came from, recorded with the user message and on the session. */
export interface TurnOrigin {
  readonly channel: string;
  readonly accountId: string;
  readonly chatType: "direct" | "group";
  readonly from: string;
  readonly to: string;
  readonly senderName?: string | undefined;
  readonly messageId: string;
}

export interface ManagerDeps {
  readonly log: Logger;
  readonly env: Env;
  readonly stateDir: string;
  readonly credentialsDir: string;
  /** Runs one agent turn in a session and resolves with its reply text (throws when the run fails). */
  readonly runTurn: (input: { sessionKey: string; message: string; origin: TurnOrigin }) => Promise<{ text: string }>;
  /** Appends a non-message entry to the session's transcript (where a reply went, or why it did not). */
  readonly record: (sessionKey: string, entry: { type: string; [key: string]: unknown }) => void;
  /** Loads a channel's adapter factory; imported lazily so an unused channel costs nothing. */
  readonly load?: (channel: string) => Promise<AdapterFactory>;
  readonly now?: () => number;
  /** Delivery retry delays (tests shorten them). */
  readonly retryDelaysMs?: readonly number[];
  /** Told every bot token, so the logger can redact it wherever it appears. */
  readonly secret?: (value: string) => void;
  /** Counts a message in or out, or a reply that could not be delivered (the gateway's metrics). */
  readonly count?: (event: "inbound" | "outbound" | "send_failure", channel: string, accountId: string) => void;
}

interface AccountRuntime {
  account: ChannelAccount;
  adapter?: ChannelAdapter | undefined;
  transport: TransportState & { errorKind?: string | undefined };
  lastStartAt: number | null;
  lastStopAt: number | null;
  lastInboundAt: number | null;
  lastOutboundAt: number | null;
  lastProbeAt: number | null;
  probe?: ProbeOutcome | undefined;
  /** The start in progress: a second start waits for it instead of opening a second connection. */
  starting?: Promise<void> | undefined;
  /** Bumped by every stop: a start that was overtaken by a stop drops its adapter. */
  generation: number;
  /** Ids of recent deliveries and messages: a redelivered update is not answered twice. */
  seen: Map<string, number>;
  /** A login (WhatsApp QR) was asked for: the account starts although it is not linked yet. */
  loginRequested?: boolean | undefined;
  /** The last QR handed out as an image, so a page can name the one it shows by its data URL. */
  qrImage?: { qr: string; dataUrl: string } | undefined;
}

/** What `web.login.start` and `web.login.wait` answer. */
export interface LoginState {
  readonly connected: boolean;
  readonly message: string;
  /** The login stopped (logged out, replaced, cannot reach WhatsApp for good): waiting longer is pointless. */
  readonly failed?: boolean | undefined;
  /** The QR's text (for a terminal) and as a PNG data URL (for a page). */
  readonly qr?: string | undefined;
  readonly qrDataUrl?: string | undefined;
}

const SEEN_MAX = 5000;
const TYPING_REFRESH_MS = 4000;
const DEFAULT_RETRY_DELAYS_MS = [500, 1500, 4000];

async function loadAdapter(channel: string): Promise<AdapterFactory> {
  switch (channel) {
    case "telegram":
      return (await import("./telegram/adapter.js")).createAdapter;
    case "discord":
      return (await import("./discord/adapter.js")).createAdapter;
    case "whatsapp":
      return (await import("./whatsapp/baileys.js")).createAdapter;
    default:
      throw new Error(`no adapter for channel ${channel}`);
  }
}

const freshTransport = (): AccountRuntime["transport"] => initialTransportState("polling");

export class ChannelManager {
  readonly #deps: ManagerDeps;
  readonly #accounts = new Map<string, AccountRuntime>();
  readonly #sessionChains = new Map<string, Promise<unknown>>();
  readonly #pairing = new Map<string, PairingStore>();
  #config: OpenClawConfig;
  #stopping = false;
  readonly #skipped: boolean;

  constructor(config: OpenClawConfig, deps: ManagerDeps, options: { skip?: boolean } = {}) {
    this.#config = config;
    this.#deps = deps;
    this.#skipped = options.skip === true;
    for (const account of resolveChannelAccounts(config, deps.env, deps.credentialsDir))
      this.#accounts.set(keyOf(account), this.#fresh(account));
  }

  get skipped(): boolean {
    return this.#skipped;
  }

  #now(): number {
    return (this.#deps.now ?? Date.now)();
  }

  #fresh(account: ChannelAccount): AccountRuntime {
    return {
      account,
      transport: freshTransport(),
      lastStartAt: null,
      lastStopAt: null,
      lastInboundAt: null,
      lastOutboundAt: null,
      lastProbeAt: null,
      generation: 0,
      seen: new Map(),
    };
  }

  pairing(channel: string): PairingStore {
    let store = this.#pairing.get(channel);
    if (!store)
      this.#pairing.set(channel, (store = new PairingStore(this.#deps.credentialsDir, channel, this.#deps.now)));
    return store;
  }

  /** Starts every enabled, configured account; failures are states, never exceptions. */
  async start(): Promise<void> {
    if (this.#skipped) {
      if (this.#accounts.size > 0)
        this.#deps.log.info("channels not started: OPENCLAW_SKIP_CHANNELS=1", { accounts: this.#accounts.size });
      return;
    }
    await Promise.all([...this.#accounts.values()].map((rt) => this.#startAccount(rt)));
  }

  /** Stops every account within `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    await Promise.all([...this.#accounts.values()].map((rt) => this.#stopAccount(rt, timeoutMs)));
  }

  /** A new config: only the accounts whose transport settings changed are restarted. */
  async applyConfig(config: OpenClawConfig): Promise<void> {
    this.#config = config;
    const next = new Map(
      resolveChannelAccounts(config, this.#deps.env, this.#deps.credentialsDir).map((a) => [keyOf(a), a]),
    );
    for (const account of next.values()) if (account.token) this.#deps.secret?.(account.token);
    const jobs: Promise<void>[] = [];
    for (const [key, rt] of this.#accounts) {
      const account = next.get(key);
      if (!account) {
        jobs.push(this.#stopAccount(rt, 5000).then(() => void this.#accounts.delete(key)));
      } else if (account.transportKey !== rt.account.transportKey) {
        this.#deps.log.info("channel account settings changed: restarting it", {
          channel: account.channel,
          account: account.accountId,
        });
        jobs.push(this.#stopAccount(rt, 5000).then(() => ((rt.account = account), this.#startAccount(rt))));
      } else rt.account = account; // policy changes apply to the next message, no reconnect
    }
    for (const [key, account] of next) {
      if (this.#accounts.has(key)) continue;
      const rt = this.#fresh(account);
      this.#accounts.set(key, rt);
      jobs.push(this.#startAccount(rt));
    }
    await Promise.all(jobs);
  }

  async startAccount(channel: string, accountId = "default"): Promise<{ started: boolean; reason?: string }> {
    const rt = this.#accounts.get(`${channel}:${accountId}`);
    if (!rt) return { started: false, reason: `no ${channel} account "${accountId}" in the config` };
    if (this.#skipped) return { started: false, reason: "OPENCLAW_SKIP_CHANNELS=1" };
    await this.#stopAccount(rt, 5000);
    await this.#startAccount(rt);
    return rt.transport.running
      ? { started: true }
      : { started: false, reason: rt.transport.lastError ?? "not started" };
  }

  async stopAccount(channel: string, accountId = "default"): Promise<boolean> {
    const rt = this.#accounts.get(`${channel}:${accountId}`);
    if (!rt) return false;
    await this.#stopAccount(rt, 5000);
    return true;
  }

  #startAccount(rt: AccountRuntime): Promise<void> {
    // After a start in progress, check again: it may have been stopped meanwhile.
    if (rt.starting) return rt.starting.then(() => this.#startAccount(rt));
    const { account } = rt;
    const linkable = account.configured || rt.loginRequested === true;
    if (this.#stopping || !account.enabled || !linkable || rt.adapter) return Promise.resolve();
    rt.starting = this.#open(rt).finally(() => (rt.starting = undefined));
    return rt.starting;
  }

  async #open(rt: AccountRuntime): Promise<void> {
    const { account } = rt;
    const generation = rt.generation;
    rt.transport = freshTransport();
    rt.lastStartAt = this.#now();
    try {
      const factory = await (this.#deps.load ?? loadAdapter)(account.channel);
      if (generation !== rt.generation || this.#stopping) return; // stopped while the library loaded
      const cursorFile = join(this.#deps.stateDir, "channels", `${account.channel}-${account.accountId}.json`);
      rt.adapter = factory(
        {
          channel: account.channel,
          accountId: account.accountId,
          token: account.token ?? "",
          settings: account.settings,
        },
        {
          log: this.#deps.log,
          inbound: (message) => void this.#inbound(rt, message),
          state: (patch) => {
            Object.assign(rt.transport, patch);
            // Linked by a QR scan: the account is configured from now on (its credentials exist).
            if (patch.linked && !rt.account.configured) rt.account = { ...rt.account, configured: true };
          },
          cursor: {
            load: () => {
              try {
                return (JSON.parse(readFileSync(cursorFile, "utf8")) as { cursor?: string }).cursor;
              } catch {
                return undefined;
              }
            },
            // Not flushed: after a power cut a few updates come again, and dedupe drops them.
            save: (value) => atomicWriteFile(cursorFile, `${JSON.stringify({ cursor: value })}\n`, 0o600, false),
          },
        },
      );
      await rt.adapter.start();
    } catch (error) {
      rt.adapter = undefined;
      Object.assign(rt.transport, {
        running: false,
        connected: false,
        terminal: true,
        lastError: `could not start: ${(error as Error).message}`,
      });
      this.#deps.log.error("channel account failed to start", {
        channel: account.channel,
        account: account.accountId,
        error: (error as Error).message,
      });
    }
  }

  async #stopAccount(rt: AccountRuntime, timeoutMs: number): Promise<void> {
    // A start still loading the library sees the new generation and opens nothing; one already
    // connecting has its adapter set, and stopping it ends that attempt too.
    rt.generation++;
    const adapter = rt.adapter;
    if (!adapter) return;
    rt.adapter = undefined;
    await adapter.stop(timeoutMs);
    rt.transport.running = false;
    rt.transport.connected = false;
    rt.lastStopAt = this.#now();
  }

  /** The state word the seed's checks read, derived from the transport as upstream derives its fields. */
  stateOf(rt: AccountRuntime): ChannelStateWord {
    const t = rt.transport;
    if (t.terminal || (t.running && (t.lastError ?? "").startsWith("409 "))) return "error";
    if (!t.running) return "stopped";
    if (t.connected) return "connected";
    return t.lastConnectedAt === null && t.lastError === null ? "connecting" : "disconnected";
  }

  /** Enabled, configured accounts that are down (not while they are still connecting): `/readyz` names them. */
  failing(): string[] {
    if (this.#skipped) return [];
    const out = new Set<string>();
    for (const rt of this.#accounts.values()) {
      if (!rt.account.enabled || !rt.account.configured) continue;
      const state = this.stateOf(rt);
      if (state === "error" || state === "disconnected") out.add(rt.account.channel);
    }
    return [...out];
  }

  snapshot(rt: AccountRuntime): Record<string, unknown> {
    const { account, transport: t } = rt;
    const state = this.#skipped ? "stopped" : this.stateOf(rt);
    return {
      accountId: account.accountId,
      ...(typeof account.settings.name === "string" ? { name: account.settings.name } : {}),
      enabled: account.enabled,
      configured: this.#skipped ? false : account.configured,
      running: t.running,
      connected: t.connected,
      state,
      lifecycle: t.terminal ? "blocked" : t.running ? (t.connected ? "ready" : "starting") : "stopped",
      ...(t.terminal ? { terminalDisconnect: true, healthState: "terminal-disconnect" } : {}),
      reconnectAttempts: t.reconnectAttempts,
      lastConnectedAt: t.lastConnectedAt,
      lastTransportActivityAt: t.lastTransportActivityAt,
      lastInboundAt: rt.lastInboundAt,
      lastOutboundAt: rt.lastOutboundAt,
      lastStartAt: rt.lastStartAt,
      lastStopAt: rt.lastStopAt,
      lastError: this.#skipped
        ? null
        : (t.lastError ?? account.tokenError ?? (account.configured ? null : notConfiguredReason(account.channel))),
      lastProbeAt: rt.lastProbeAt,
      tokenSource: this.#skipped ? "none" : account.tokenSource,
      tokenStatus: account.configured ? "available" : "missing",
      mode: t.mode,
      ...(account.channel === "whatsapp" ? { linked: t.linked ?? account.configured } : {}),
      dmPolicy: account.dmPolicy,
      allowFrom: account.allowFrom,
      ...(this.#skipped ? { stateReason: "not configured (OPENCLAW_SKIP_CHANNELS=1)" } : {}),
      ...(rt.probe ? { probe: probeView(rt.probe) } : {}),
    };
  }

  /** `channels.status` in the reference's shape (plus a `state` word per account). */
  async status(
    options: { probe?: boolean; timeoutMs?: number; channel?: string } = {},
  ): Promise<Record<string, unknown>> {
    const rts = [...this.#accounts.values()].filter((rt) => !options.channel || rt.account.channel === options.channel);
    if (options.probe && !this.#skipped) {
      await Promise.all(
        rts.map(async (rt) => {
          if (!rt.adapter) return;
          rt.probe = await rt.adapter.probe(options.timeoutMs ?? 10_000);
          rt.lastProbeAt = this.#now();
        }),
      );
    }
    const order = SUPPORTED_CHANNELS.filter((id) => rts.some((rt) => rt.account.channel === id));
    const accountsOf = (id: string) => rts.filter((rt) => rt.account.channel === id);
    const statusIssues = rts.flatMap((rt) => {
      const snap = this.snapshot(rt);
      if (!rt.account.enabled || snap.state === "connected" || snap.state === "connecting") return [];
      if (!rt.account.configured && !this.#skipped)
        return [
          {
            channel: rt.account.channel,
            accountId: rt.account.accountId,
            kind: "config",
            message: String(snap.lastError),
            fix:
              rt.account.channel === "whatsapp"
                ? "Link it: openclaw channels login --channel whatsapp"
                : `Give it a token: openclaw channels add --channel ${rt.account.channel} --token <token>`,
          },
        ];
      if (snap.state === "error" || snap.state === "disconnected")
        return [
          {
            channel: rt.account.channel,
            accountId: rt.account.accountId,
            kind: /intent/i.test(String(snap.lastError)) ? "intent" : rt.transport.terminal ? "auth" : "runtime",
            message: String(snap.lastError ?? snap.state),
          },
        ];
      return [];
    });
    return {
      ts: this.#now(),
      ...(this.#skipped ? { skipped: "OPENCLAW_SKIP_CHANNELS=1" } : {}),
      channelOrder: order,
      channelLabels: Object.fromEntries(order.map((id) => [id, CHANNEL_LABELS[id] ?? id])),
      channelMeta: order.map((id) => ({ id, label: CHANNEL_LABELS[id] ?? id, detailLabel: CHANNEL_LABELS[id] ?? id })),
      channels: Object.fromEntries(
        order.map((id) => {
          const first = accountsOf(id).find((rt) => rt.account.accountId === "default") ?? accountsOf(id)[0]!;
          const snap = this.snapshot(first);
          return [
            id,
            {
              configured: snap.configured,
              running: snap.running,
              state: snap.state,
              lastStartAt: snap.lastStartAt,
              lastStopAt: snap.lastStopAt,
              lastError: snap.lastError,
              tokenSource: snap.tokenSource,
              mode: snap.mode,
              lastProbeAt: snap.lastProbeAt,
              ...(snap.probe ? { probe: snap.probe } : {}),
            },
          ];
        }),
      ),
      channelAccounts: Object.fromEntries(order.map((id) => [id, accountsOf(id).map((rt) => this.snapshot(rt))])),
      channelDefaultAccountId: Object.fromEntries(
        order.map((id) => [
          id,
          (accountsOf(id).find((rt) => rt.account.accountId === "default") ?? accountsOf(id)[0]!).account.accountId,
        ]),
      ),
      statusIssues,
    };
  }

  /**
   * Starts linking an account (WhatsApp): the adapter runs although nothing is linked yet, and this
   * resolves with the first QR code, or as soon as it is connected (already linked), within `timeoutMs`.
   * `force` unlinks and deletes the current credentials first.
   */
  async loginStart(
    channel: string,
    accountId = "default",
    options: { force?: boolean; timeoutMs?: number } = {},
  ): Promise<LoginState> {
    const rt = this.#loginAccount(channel, accountId);
    if (options.force) await this.#unlink(rt);
    else if (rt.transport.connected) return { connected: true, message: `already linked (${channel} ${accountId})` };
    rt.loginRequested = true;
    if (!rt.adapter || rt.transport.terminal) {
      await this.#stopAccount(rt, 5000);
      await this.#startAccount(rt);
    }
    return this.loginWait(channel, accountId, { timeoutMs: options.timeoutMs ?? 30_000 });
  }

  /**
   * Waits until the account is linked, its QR code changes from `currentQr`, it fails for good, or
   * `timeoutMs` passes; whichever first.
   */
  async loginWait(
    channel: string,
    accountId = "default",
    options: { timeoutMs?: number; currentQr?: string | undefined; currentQrDataUrl?: string | undefined } = {},
  ): Promise<LoginState> {
    const rt = this.#loginAccount(channel, accountId);
    // Upstream's UI names the QR it shows by its data URL; ours and the CLI by its text.
    const shown =
      options.currentQr ??
      (options.currentQrDataUrl !== undefined && rt.qrImage?.dataUrl === options.currentQrDataUrl
        ? rt.qrImage.qr
        : undefined);
    const deadline = this.#now() + Math.min(options.timeoutMs ?? 120_000, 300_000);
    for (;;) {
      const t = rt.transport;
      if (t.connected) {
        rt.loginRequested = false;
        if (!rt.account.configured) rt.account = { ...rt.account, configured: true };
        return { connected: true, message: `linked: ${CHANNEL_LABELS[channel] ?? channel} ${accountId} is connected` };
      }
      if (t.terminal || (!rt.adapter && !rt.starting))
        return { connected: false, failed: true, message: t.lastError ?? "the login stopped; start it again" };
      const qr = t.loginQr ?? undefined;
      if (qr && qr !== shown) {
        if (rt.qrImage?.qr !== qr) rt.qrImage = { qr, dataUrl: await qrDataUrl(qr) };
        return {
          connected: false,
          message: "Scan this QR code in WhatsApp → Settings → Linked devices → Link a device",
          qr,
          qrDataUrl: rt.qrImage.dataUrl,
        };
      }
      if (this.#now() >= deadline)
        return {
          connected: false,
          message: qr ? "still waiting for the QR code to be scanned" : "still waiting for WhatsApp",
          ...(qr ? { qr } : {}),
        };
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Unlinks an account: stops it, tells WhatsApp (when connected), deletes its credentials. */
  async logout(channel: string, accountId = "default"): Promise<{ cleared: boolean; loggedOut: boolean }> {
    const rt = this.#loginAccount(channel, accountId);
    return this.#unlink(rt);
  }

  async #unlink(rt: AccountRuntime): Promise<{ cleared: boolean; loggedOut: boolean }> {
    const loggedOut = (await rt.adapter?.logout?.().catch(() => false)) ?? false;
    await this.#stopAccount(rt, 5000);
    const cleared = clearAuthDir(String(rt.account.settings.authDir));
    rt.account = { ...rt.account, configured: false };
    rt.transport = freshTransport();
    rt.loginRequested = false;
    this.#deps.log.info("channel account unlinked", {
      channel: rt.account.channel,
      account: rt.account.accountId,
      cleared,
      loggedOut,
    });
    return { cleared, loggedOut };
  }

  #loginAccount(channel: string, accountId: string): AccountRuntime {
    if (channel !== "whatsapp")
      throw new ChannelError(
        `channel ${channel} does not support login`,
        "Only WhatsApp links by QR; Telegram and Discord use a bot token (openclaw channels add)",
      );
    const rt = this.#accounts.get(`${channel}:${accountId}`);
    if (!rt)
      throw new ChannelError(
        `no ${channel} account "${accountId}" in the config`,
        `Add it: openclaw channels add --channel ${channel}${accountId === "default" ? "" : ` --account ${accountId}`}`,
      );
    if (!rt.account.enabled)
      throw new ChannelError(
        `${channel} account "${accountId}" is disabled in the config`,
        `Enable it: openclaw channels add --channel ${channel}`,
      );
    if (this.#skipped)
      throw new ChannelError(
        "channels are off (OPENCLAW_SKIP_CHANNELS=1)",
        "Start the gateway without OPENCLAW_SKIP_CHANNELS",
      );
    return rt;
  }

  /** For `health`: each channel's default account flattened, plus every account. */
  health(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const id of SUPPORTED_CHANNELS) {
      const rts = [...this.#accounts.values()].filter((rt) => rt.account.channel === id);
      if (rts.length === 0) continue;
      const first = rts.find((rt) => rt.account.accountId === "default") ?? rts[0]!;
      out[id] = {
        ...this.snapshot(first),
        accounts: Object.fromEntries(rts.map((rt) => [rt.account.accountId, this.snapshot(rt)])),
      };
    }
    return out;
  }

  /** `send` / `message send`: text to a chat, chunked, with retries. */
  async send(input: {
    channel: string;
    accountId?: string | undefined;
    to: string;
    text: string;
  }): Promise<{ messageIds: string[]; chunks: number }> {
    const rt = this.#pick(input.channel, input.accountId);
    // The adapter owns its platform's chat ids.
    const target: OutboundTarget = { chatId: rt.adapter?.chatIdFor?.(input.to) ?? input.to };
    return this.#deliver(rt, target, input.text);
  }

  #pick(channel: string, accountId: string | undefined): AccountRuntime {
    const candidates = [...this.#accounts.values()].filter((rt) => rt.account.channel === channel);
    if (candidates.length === 0)
      throw new ChannelError(
        `channel ${channel} is not configured`,
        `Add it: openclaw channels add --channel ${channel} --token <token>`,
      );
    const rt = accountId
      ? candidates.find((c) => c.account.accountId === accountId)
      : (candidates.find((c) => c.account.accountId === "default") ?? candidates[0]);
    if (!rt)
      throw new ChannelError(
        `${channel} has no account "${accountId}"`,
        `Accounts: ${candidates.map((c) => c.account.accountId).join(", ")}`,
      );
    if (!rt.adapter)
      throw new ChannelError(
        `${channel} account "${rt.account.accountId}" is not running: ${rt.transport.lastError ?? this.stateOf(rt)}`,
        `See: openclaw channels status --channel ${channel}`,
      );
    return rt;
  }

  async #deliver(
    rt: AccountRuntime,
    target: OutboundTarget,
    text: string,
  ): Promise<{ messageIds: string[]; chunks: number }> {
    const adapter = rt.adapter;
    if (!adapter) throw new ChannelError(`${rt.account.channel} account "${rt.account.accountId}" is not running`, "");
    const chunks = chunkText(text, adapter.textLimit, adapter.lineLimit);
    const messageIds: string[] = [];
    const delays = this.#deps.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    for (const chunk of chunks) {
      let plain = false;
      for (let attempt = 0; ; attempt++) {
        try {
          const sent = await adapter.send(target, chunk, { plain });
          messageIds.push(sent.messageId);
          rt.lastOutboundAt = this.#now();
          this.#deps.count?.("outbound", rt.account.channel, rt.account.accountId);
          break;
        } catch (error) {
          if (error instanceof MarkupRejectedError && !plain) {
            plain = true; // the platform refused the markup: the same text, unformatted
            attempt--;
            continue;
          }
          if (error instanceof PermanentSendError || attempt >= delays.length) throw error;
          this.#deps.log.warn("channel send failed; retrying", {
            channel: rt.account.channel,
            account: rt.account.accountId,
            attempt: attempt + 1,
            error: (error as Error).message,
          });
          await new Promise((r) => setTimeout(r, delays[attempt]));
        }
      }
    }
    return { messageIds, chunks: chunks.length };
  }

  async #inbound(rt: AccountRuntime, message: InboundMessage): Promise<void> {
    const { account } = rt;
    rt.lastInboundAt = this.#now();
    this.#deps.count?.("inbound", account.channel, account.accountId);
    for (const id of [`d:${message.deliveryId}`, `m:${message.chatId}:${message.messageId}`]) {
      if (rt.seen.has(id)) {
        this.#deps.log.debug("redelivered message ignored", { channel: account.channel, id });
        return;
      }
    }
    rt.seen.set(`d:${message.deliveryId}`, rt.lastInboundAt);
    rt.seen.set(`m:${message.chatId}:${message.messageId}`, rt.lastInboundAt);
    while (rt.seen.size > SEEN_MAX) rt.seen.delete(rt.seen.keys().next().value!);
    // Other bots: only when allowed (with "mentions", only when they address ours: no bot loops).
    if (message.fromBot && !(account.allowBots === true || (account.allowBots === "mentions" && message.mentioned)))
      return;
    const decision = this.#admit(rt, message);
    if (decision !== "admit") {
      this.#deps.log.info("channel message not processed", {
        channel: account.channel,
        account: account.accountId,
        chatType: message.chatType,
        sender: message.senderId,
        reason: decision,
      });
      return;
    }
    const scope =
      (this.#config as { session?: { dmScope?: DmScope; groupScope?: "per-group" | "main" } }).session ?? {};
    const sessionKey = sessionKeyFor(message, scope);
    const target: OutboundTarget = {
      chatId: message.chatId,
      ...(message.threadId ? { threadId: message.threadId } : {}),
      ...(message.chatType === "group" ? { replyToId: message.messageId } : {}),
    };
    // One turn at a time per session, and replies leave in the order the messages came.
    const previous = this.#sessionChains.get(sessionKey) ?? Promise.resolve();
    const turn = previous.then(() => this.#turn(rt, message, sessionKey, target));
    const chained = turn.catch(() => undefined);
    this.#sessionChains.set(sessionKey, chained);
    void chained.then(() => {
      if (this.#sessionChains.get(sessionKey) === chained) this.#sessionChains.delete(sessionKey);
    });
  }

  /** `admit`, or why not (pairing replies are sent from here). */
  #admit(rt: AccountRuntime, message: InboundMessage): string {
    const { account } = rt;
    if (message.chatType === "group") {
      if (account.groupPolicy === "disabled") return "groupPolicy disabled";
      const rule = account.groups?.[message.groupId ?? message.chatId] ?? account.groups?.["*"];
      const where = account.channel === "discord" ? "guilds" : "groups";
      if (account.groupPolicy === "allowlist" && !rule) return `group not in channels.${account.channel}.${where}`;
      if (rule?.enabled === false) return "group disabled";
      // A guild that lists channels admits only those (upstream: one entry turns the guild into an allowlist).
      if (rule?.channels && !rule.channels.includes(message.chatId) && !rule.channels.includes("*"))
        return "channel not in the guild's channels";
      const senders = rule?.allowFrom ? rule.allowFrom.map(String) : (account.groupAllowFrom ?? account.allowFrom);
      // Discord: a guild's `users` and `roles` are one allowlist; either admits.
      const byRole = rule?.roles?.some((role) => message.senderRoles?.includes(role)) === true;
      const restricted = senders.length > 0 || (rule?.roles?.length ?? 0) > 0;
      if (restricted && !byRole && !senders.includes("*") && !senders.includes(message.senderId))
        return "sender not allowed in this group";
      const requireMention = rule?.requireMention ?? account.groups?.["*"]?.requireMention ?? true;
      if (requireMention && !message.mentioned) return "not mentioned";
      return "admit";
    }
    if (account.dmPolicy === "disabled") return "dmPolicy disabled";
    if (account.allowFrom.includes("*") || account.allowFrom.includes(message.senderId)) return "admit";
    let approved: string[] = [];
    try {
      approved = this.pairing(account.channel).allowed(account.accountId);
    } catch (error) {
      this.#deps.log.error("pairing allow list unreadable", { error: (error as Error).message });
    }
    if (approved.includes(message.senderId)) return "admit";
    if (account.dmPolicy !== "pairing") return `sender not in allowFrom (dmPolicy ${account.dmPolicy})`;
    return this.#pair(rt, message);
  }

  #pair(rt: AccountRuntime, message: InboundMessage): string {
    const { account } = rt;
    let outcome: ReturnType<PairingStore["request"]>;
    try {
      outcome = this.pairing(account.channel).request(account.accountId, message.senderId, {
        ...(message.senderUsername ? { username: message.senderUsername } : {}),
        ...(message.senderName ? { firstName: message.senderName } : {}),
      });
    } catch (error) {
      const reason = error instanceof PairingFileError ? error.message : (error as Error).message;
      this.#deps.log.error("pairing request not stored", { error: reason });
      return "pairing store unreadable";
    }
    if (outcome.outcome === "created") {
      const text = [
        "OpenClaw: access not configured.",
        "",
        `Your ${CHANNEL_LABELS[account.channel] ?? account.channel} user id: ${message.senderId}`,
        `Pairing code: ${outcome.code}`,
        "",
        "Ask the bot owner to approve with:",
        `openclaw pairing approve ${account.channel} ${outcome.code}`,
      ].join("\n");
      void this.#deliver(rt, { chatId: message.chatId }, text).catch((error: Error) =>
        this.#deps.log.warn("pairing reply not delivered", { channel: account.channel, error: error.message }),
      );
      return "pairing requested (code sent)";
    }
    return outcome.outcome === "pending" ? "pairing pending (no new reply)" : "pairing queue full (3 pending)";
  }

  async #turn(rt: AccountRuntime, message: InboundMessage, sessionKey: string, target: OutboundTarget): Promise<void> {
    const { account } = rt;
    const from = `${account.channel}:${message.senderId}`;
    const to = message.chatType === "group" ? `${account.channel}:group:${message.chatId}` : from;
    const origin: TurnOrigin = {
      channel: account.channel,
      accountId: account.accountId,
      chatType: message.chatType === "group" ? "group" : "direct",
      from,
      to,
      ...(message.senderName ? { senderName: message.senderName } : {}),
      messageId: message.messageId,
    };
    const typing = () => void rt.adapter?.typing(target).catch(() => undefined);
    typing();
    const timer = setInterval(typing, TYPING_REFRESH_MS);
    let reply: string;
    try {
      reply = (await this.#deps.runTurn({ sessionKey, message: message.text, origin })).text;
    } catch (error) {
      // The chat gets no internals (a provider's error can name keys, billing or paths); the log has them.
      reply = "Sorry, I could not answer that just now. (The gateway's log says why: openclaw logs --level warn)";
      this.#deps.log.warn("channel turn failed", {
        channel: account.channel,
        sessionKey,
        error: (error as Error).message,
      });
    } finally {
      clearInterval(timer);
    }
    if (!reply.trim()) return;
    try {
      const sent = await this.#deliver(rt, target, reply);
      this.#deps.record(sessionKey, {
        type: "delivery",
        channel: account.channel,
        accountId: account.accountId,
        to,
        ok: true,
        chunks: sent.chunks,
        messageIds: sent.messageIds,
      });
    } catch (error) {
      const reason = (error as Error).message;
      this.#deps.log.error("channel reply not delivered", {
        channel: account.channel,
        account: account.accountId,
        to,
        error: reason,
      });
      rt.transport.lastError = `reply not delivered to ${to}: ${reason}`;
      this.#deps.count?.("send_failure", account.channel, account.accountId);
      this.#deps.record(sessionKey, {
        type: "delivery",
        channel: account.channel,
        accountId: account.accountId,
        to,
        ok: false,
        error: reason,
      });
    }
  }
}

export class ChannelError extends Error {
  override name = "ChannelError";
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

function keyOf(account: ChannelAccount): string {
  return `${account.channel}:${account.accountId}`;
}

function probeView(probe: ProbeOutcome): Record<string, unknown> {
  const bot = probe.bot as
    | {
        id?: number;
        is_bot?: boolean;
        first_name?: string;
        username?: string;
        can_join_groups?: boolean;
        can_read_all_group_messages?: boolean;
      }
    | undefined;
  return {
    ok: probe.ok,
    status: probe.status ?? null,
    error: probe.error ?? null,
    elapsedMs: probe.elapsedMs,
    ...(bot
      ? {
          botInfo: bot,
          bot: {
            id: bot.id,
            isBot: bot.is_bot,
            firstName: bot.first_name,
            username: bot.username,
            canJoinGroups: bot.can_join_groups,
            canReadAllGroupMessages: bot.can_read_all_group_messages,
          },
        }
      : {}),
  };
}
