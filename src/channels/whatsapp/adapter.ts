/**
 * The WhatsApp adapter, over a socket with Baileys' surface (`ev` events, `sendMessage`,
 * `sendPresenceUpdate`, `readMessages`, `end`, `logout`), made by a factory: Baileys itself in the
 * gateway, a fake in tests. It links by QR (the QR goes to the host as `loginQr`), reconnects transient
 * closes with upstream's backoff (2 s x1.8 up to 30 s, jitter 0.25), stops on logged-out and replaced
 * sessions with the re-link command, and reconnects a socket that still looks open but has carried no
 * traffic for five minutes (Baileys pings every 25 s, so silence means a dead listener).
 * @module
 */
import { openAuthState, type BaileysAuthLib } from "./auth-store.js";
import {
  initialTransportState,
  numberSetting,
  type AdapterAccount,
  type AdapterHost,
  type ChannelAdapter,
  type InboundMessage,
  type OutboundTarget,
  type ProbeOutcome,
} from "../contract.js";

/** Baileys' close codes (its `DisconnectReason`). */
export const CLOSE = {
  connectionClosed: 428,
  connectionLost: 408,
  connectionReplaced: 440,
  loggedOut: 401,
  badSession: 500,
  restartRequired: 515,
  multideviceMismatch: 411,
  forbidden: 403,
  unavailableService: 503,
} as const;

export const RELINK_HINT = "not linked: run openclaw channels login --channel whatsapp";

/** What the adapter uses of a Baileys socket. */
export interface WaSocket {
  readonly ev: { on(event: string, listener: (arg: never) => void): void };
  /** Baileys' raw WebSocket client: each frame it receives is transport activity. */
  readonly ws?: { on?(event: string, listener: () => void): void } | undefined;
  readonly user?: { id: string; lid?: string | undefined; name?: string | undefined } | undefined;
  sendMessage(jid: string, content: { text: string }): Promise<{ key?: { id?: string | null } } | undefined>;
  sendPresenceUpdate(type: "composing" | "paused", jid: string): Promise<void>;
  readMessages(keys: readonly WaMessageKey[]): Promise<void>;
  end(error: Error | undefined): void;
  logout(): Promise<void>;
}

export interface WaMessageKey {
  remoteJid?: string | null;
  fromMe?: boolean | null;
  id?: string | null;
  participant?: string | null;
  /** Baileys 7: the phone-number JID beside a LID one. */
  remoteJidAlt?: string | null;
  participantAlt?: string | null;
}

export interface WaMessage {
  key: WaMessageKey;
  pushName?: string | null;
  messageTimestamp?: number | { toNumber(): number } | null;
  message?: Record<string, unknown> | null;
}

export interface SocketOptions {
  readonly authDir: string;
  /** Baileys' `auth` option: the credentials and signal keys, read and written by our store. */
  readonly auth: AuthState["state"];
  readonly accountId: string;
  /** Replaces the WhatsApp Web socket URL (upstream's OPENCLAW_WHATSAPP_WEB_SOCKET_URL). */
  readonly webSocketUrl?: string | undefined;
}
export type SocketFactory = (options: SocketOptions) => Promise<WaSocket>;
type AuthState = ReturnType<typeof openAuthState>;

const BACKOFF = { firstMs: 2000, factor: 1.8, maxMs: 30_000, jitter: 0.25 };
const WATCHDOG_DEFAULT_MS = 5 * 60_000;

/** `+15551234567` for a phone JID (`15551234567:12@s.whatsapp.net`), `lid:<id>` for a LID one. */
export function senderIdOf(jid: string): string {
  const [user = "", server = ""] = jid.split("@");
  const bare = user.split(":")[0]!;
  return server === "lid" ? `lid:${bare}` : `+${bare.replace(/\D/g, "")}`;
}

const bareJid = (jid: string | undefined) => (jid ? jid.replace(/:\d+@/, "@") : undefined);

const MEDIA: Record<string, string> = {
  imageMessage: "image",
  videoMessage: "video",
  audioMessage: "audio",
  documentMessage: "document",
  stickerMessage: "sticker",
};

/** The text of a message, a `<media:…>` placeholder for media without a caption, or undefined. */
export function textOf(message: Record<string, unknown> | null | undefined): string | undefined {
  if (!message) return undefined;
  const inner = (message.ephemeralMessage as { message?: Record<string, unknown> } | undefined)?.message;
  if (inner) return textOf(inner);
  if (typeof message.conversation === "string" && message.conversation) return message.conversation;
  const extended = message.extendedTextMessage as { text?: string } | undefined;
  if (extended?.text) return extended.text;
  for (const [key, kind] of Object.entries(MEDIA)) {
    const media = message[key] as { caption?: string } | undefined;
    if (media) return media.caption || `<media:${kind}>`;
  }
  return undefined;
}

function contextOf(message: Record<string, unknown> | null | undefined) {
  for (const value of Object.values(message ?? {}))
    if (value && typeof value === "object" && "contextInfo" in value)
      return (value as { contextInfo?: { mentionedJid?: string[]; participant?: string; stanzaId?: string } })
        .contextInfo;
  return undefined;
}

/** One Baileys message as an inbound message, or undefined for what is never answered. Pure. */
export function normalize(
  msg: WaMessage,
  own: { id?: string | undefined; lid?: string | undefined },
  accountId: string,
): InboundMessage | undefined {
  const jid = msg.key.remoteJid ?? "";
  // Status updates, broadcast lists and channels are not conversations; our own messages start nothing.
  if (!jid || jid.endsWith("@broadcast") || jid.endsWith("@newsletter") || msg.key.fromMe) return undefined;
  const text = textOf(msg.message);
  if (text === undefined || !msg.key.id) return undefined;
  const group = jid.endsWith("@g.us");
  const senderJid = group
    ? (msg.key.participantAlt ?? msg.key.participant ?? "")
    : jid.endsWith("@lid") && msg.key.remoteJidAlt
      ? msg.key.remoteJidAlt
      : jid;
  if (!senderJid) return undefined;
  const context = contextOf(msg.message);
  const mine = [bareJid(own.id), bareJid(own.lid)].filter(Boolean) as string[];
  const mentioned =
    (context?.mentionedJid ?? []).some((m) => mine.includes(bareJid(m)!)) ||
    (context?.participant !== undefined && mine.includes(bareJid(context.participant)!));
  return {
    channel: "whatsapp",
    accountId,
    chatType: group ? "group" : "dm",
    chatId: jid,
    senderId: senderIdOf(senderJid),
    ...(msg.pushName ? { senderName: msg.pushName } : {}),
    text,
    messageId: msg.key.id,
    ...(context?.stanzaId ? { replyToId: context.stanzaId } : {}),
    mentioned,
    deliveryId: `${jid}:${msg.key.id}`,
  };
}

/**
 * The model's Markdown in WhatsApp's own markup: `**bold**` → `*bold*`, `~~strike~~` → `~strike~`,
 * `# Heading` → `*Heading*`; italics (`_x_`) and code spans and blocks are the same in both. Pure.
 */
export function whatsappMarkup(text: string): string {
  const parts = text.split(/(```[\s\S]*?```|`[^`\n]*`)/);
  return parts
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part
            .replace(/\*\*([^*\n]+)\*\*/g, "*$1*")
            .replace(/__([^_\n]+)__/g, "*$1*")
            .replace(/~~([^~\n]+)~~/g, "~$1~")
            .replace(/^#{1,6} +(.+)$/gm, "*$1*"),
    )
    .join("");
}

/** The close code of a `connection.update` close (Baileys wraps it in a Boom error). */
function closeCode(update: { lastDisconnect?: { error?: unknown } }): number | undefined {
  const error = update.lastDisconnect?.error as { output?: { statusCode?: number } } | undefined;
  return error?.output?.statusCode;
}

function describeClose(code: number | undefined): string {
  const name = Object.entries(CLOSE).find(([, c]) => c === code)?.[0];
  return code === undefined ? "closed" : `${code}${name ? ` ${name}` : ""}`;
}

export function createWhatsAppAdapter(
  account: AdapterAccount,
  host: AdapterHost,
  deps: { makeSocket: SocketFactory; authLib: () => Promise<BaileysAuthLib> },
  clock: { now: () => number; random: () => number } = { now: Date.now, random: Math.random },
): ChannelAdapter & { logout(): Promise<boolean> } {
  const settings = account.settings;
  const authDir = String(settings.authDir);
  const watchdogMs = numberSetting(settings.watchdogMs, WATCHDOG_DEFAULT_MS, 10_000, 3_600_000);
  const readReceipts = settings.sendReadReceipts !== false;
  let socket: WaSocket | undefined;
  let connected = false;
  let stopped = false;
  let attempts = 0;
  let lastActivity = clock.now();
  let retryTimer: NodeJS.Timeout | undefined;
  let firstOutcome: (() => void) | undefined;
  /** Keys of messages waiting to be marked read: marked when a turn starts for their chat. */
  const unread = new Map<string, WaMessageKey[]>();
  host.state({ ...initialTransportState("web"), running: true });

  const activity = () => {
    lastActivity = clock.now();
    host.state({ lastTransportActivityAt: lastActivity });
  };

  const watchdog = setInterval(
    () => {
      if (!connected || clock.now() - lastActivity < watchdogMs) return;
      const minutes = Math.round(watchdogMs / 60_000);
      host.log.warn("whatsapp listener silent: reconnecting", { account: account.accountId, silentMs: watchdogMs });
      drop(socket, `no traffic from WhatsApp for ${minutes} min: reconnecting`);
    },
    Math.min(30_000, watchdogMs / 2),
  );
  watchdog.unref();

  /** Forget a socket (closed, or declared dead) and schedule the next one. */
  function drop(sock: WaSocket | undefined, reason: string, delayMs?: number): void {
    if (!sock || sock !== socket) return;
    socket = undefined;
    connected = false;
    try {
      sock.end(undefined);
    } catch {
      // already closed
    }
    if (stopped) return;
    attempts += 1;
    const backoff = Math.min(BACKOFF.maxMs, BACKOFF.firstMs * BACKOFF.factor ** (attempts - 1));
    const wait = delayMs ?? Math.round(backoff * (1 - BACKOFF.jitter + 2 * BACKOFF.jitter * clock.random()));
    host.state({
      connected: false,
      reconnectAttempts: attempts,
      lastError: `${reason}${wait > 0 ? `; reconnecting in ${Math.ceil(wait / 1000)} s` : ""}`,
    });
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => void connect(), wait);
    retryTimer.unref?.();
  }

  async function connect(): Promise<void> {
    if (stopped) return;
    let sock: WaSocket;
    let auth: AuthState;
    try {
      // Read afresh for every socket: after a forced re-link the files are new.
      auth = openAuthState(authDir, await deps.authLib());
      sock = await deps.makeSocket({
        authDir,
        auth: auth.state,
        accountId: account.accountId,
        webSocketUrl: typeof settings.webSocketUrl === "string" ? settings.webSocketUrl : undefined,
      });
    } catch (error) {
      host.state({ running: true, lastError: `could not open WhatsApp Web: ${(error as Error).message}` });
      firstOutcome?.();
      if (!stopped) {
        clearTimeout(retryTimer);
        retryTimer = setTimeout(() => void connect(), BACKOFF.maxMs);
        retryTimer.unref?.();
      }
      return;
    }
    if (stopped) {
      sock.end(undefined);
      return;
    }
    socket = sock;
    sock.ws?.on?.("message", activity);
    sock.ev.on(
      "connection.update",
      (update: { connection?: string; qr?: string; lastDisconnect?: { error?: unknown } }) => {
        if (sock !== socket) return;
        activity();
        if (update.qr) {
          host.state({ loginQr: update.qr, lastError: "not linked: scan the QR code in WhatsApp → Linked devices" });
          firstOutcome?.();
        }
        if (update.connection === "open") {
          connected = true;
          attempts = 0;
          host.state({
            connected: true,
            linked: true,
            loginQr: null,
            lastError: null,
            terminal: false,
            reconnectAttempts: 0,
            lastConnectedAt: clock.now(),
          });
          host.log.info("whatsapp connected", { account: account.accountId, user: sock.user?.id });
          firstOutcome?.();
        }
        if (update.connection === "close") {
          const code = closeCode(update);
          firstOutcome?.();
          if (code === CLOSE.loggedOut || code === CLOSE.forbidden || code === CLOSE.multideviceMismatch) {
            stopFor(sock, `${RELINK_HINT} (WhatsApp refused this device's credentials: ${describeClose(code)})`, false);
          } else if (code === CLOSE.connectionReplaced) {
            stopFor(
              sock,
              `conflict: another WhatsApp Web session with these credentials replaced this one (440). Close the other one, or ${RELINK_HINT}`,
              true,
            );
          } else if (code === CLOSE.restartRequired) {
            // WhatsApp asks for a fresh socket right after linking: at once, not counted as a failure.
            drop(sock, "restarting after linking (515)", 0);
            attempts = 0;
          } else drop(sock, `disconnected (${describeClose(code)})`);
        }
      },
    );
    sock.ev.on("creds.update", () => {
      activity();
      try {
        auth.saveCreds();
      } catch (error) {
        host.log.error("whatsapp credentials could not be saved", {
          account: account.accountId,
          error: (error as Error).message,
        });
      }
    });
    sock.ev.on("messages.upsert", (event: { messages?: WaMessage[]; type?: string }) => {
      if (sock !== socket) return;
      activity();
      // "append" is history arriving after a reconnect or from the phone: not new, not answered.
      if (event.type !== "notify") return;
      for (const msg of event.messages ?? []) {
        const inbound = normalize(msg, { id: sock.user?.id, lid: sock.user?.lid }, account.accountId);
        if (!inbound) continue;
        if (readReceipts) unread.set(inbound.chatId, [...(unread.get(inbound.chatId) ?? []), msg.key].slice(-50));
        host.inbound(inbound);
      }
    });
  }

  /** Closed for good until someone acts (log in again, close the other session). */
  function stopFor(sock: WaSocket, reason: string, linked: boolean): void {
    if (sock !== socket) return;
    socket = undefined;
    connected = false;
    try {
      sock.end(undefined);
    } catch {
      // already closed
    }
    host.state({ connected: false, terminal: true, linked, lastError: reason });
    host.log.error("whatsapp stopped", { account: account.accountId, reason });
  }

  return {
    textLimit: 4000,
    /** A number (`+15551234567`, `whatsapp:+1…`) becomes its JID; a JID stays as it is. */
    chatIdFor(to: string): string {
      const bare = to.replace(/^whatsapp:/i, "").trim();
      return bare.includes("@") ? bare : `${bare.replace(/\D/g, "")}@s.whatsapp.net`;
    },
    async start() {
      const outcome = new Promise<void>((resolve) => (firstOutcome = resolve));
      await connect();
      // The first QR, the first open or the first close, whichever comes first (bounded).
      await Promise.race([outcome, new Promise((r) => setTimeout(r, 20_000).unref())]);
      firstOutcome = undefined;
    },
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(watchdog);
      const sock = socket;
      socket = undefined;
      connected = false;
      try {
        sock?.end(undefined);
      } catch {
        // already closed
      }
      host.state({ running: false, connected: false });
    },
    async probe(): Promise<ProbeOutcome> {
      const started = clock.now();
      const user = socket?.user;
      return connected && user
        ? { ok: true, elapsedMs: 0, bot: { id: user.id, ...(user.name ? { name: user.name } : {}) } }
        : {
            ok: false,
            error: connected ? "linked, but no account details yet" : "not connected",
            elapsedMs: clock.now() - started,
          };
    },
    async send(target: OutboundTarget, text: string, options: { plain: boolean }) {
      const sock = socket;
      // Fail fast and retryable: the manager tries again once the listener is back.
      if (!sock || !connected) throw new Error("no active WhatsApp Web listener (reconnecting)");
      const sent = await sock.sendMessage(target.chatId, { text: options.plain ? text : whatsappMarkup(text) });
      const id = sent?.key?.id;
      if (!id) throw new Error("WhatsApp returned no message id");
      return { messageId: id };
    },
    async typing(target: OutboundTarget) {
      const sock = socket;
      if (!sock || !connected) return;
      const keys = unread.get(target.chatId);
      if (keys?.length) {
        unread.delete(target.chatId);
        await sock.readMessages(keys).catch(() => undefined);
      }
      await sock.sendPresenceUpdate("composing", target.chatId);
    },
    /** Unlinks this device on the phone (best effort when disconnected); the caller deletes the files. */
    async logout() {
      const sock = socket;
      if (!sock || !connected) return false;
      try {
        await sock.logout();
        return true;
      } catch {
        return false;
      }
    },
  };
}
