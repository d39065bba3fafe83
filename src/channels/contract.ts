/**
 * The channel contract. A channel adapter is transport only: it starts and stops a connection to a chat
 * service, reports its state, probes its credentials, turns platform updates into `InboundMessage`s and
 * delivers text. Access policy, pairing, routing, dedupe, queueing and delivery retries belong to the
 * channel manager, once for all channels. Adapters import nothing above protocol and logging.
 * @module
 */
import type { Logger } from "../logging/logger.js";

export type ChatType = "dm" | "group";

/** One incoming platform message, normalised. */
export interface InboundMessage {
  readonly channel: string;
  readonly accountId: string;
  readonly chatType: ChatType;
  /** Where a reply goes: the DM peer or the group (Discord: the channel or thread). */
  readonly chatId: string;
  /** The group the chat belongs to, when the platform nests them (Discord: the guild). */
  readonly groupId?: string | undefined;
  readonly senderId: string;
  readonly senderName?: string | undefined;
  readonly senderUsername?: string | undefined;
  readonly text: string;
  readonly messageId: string;
  readonly replyToId?: string | undefined;
  /** The bot was @mentioned, or the message replies to one of the bot's. */
  readonly mentioned: boolean;
  /** Forum topic / thread, when the platform has them. */
  readonly threadId?: string | undefined;
  /** The platform's id of this delivery, for recognising a redelivered update. */
  readonly deliveryId: string;
  /** The sender is the bot itself (or another bot). */
  readonly fromBot?: boolean | undefined;
  /** The sender's roles in the group, where the platform has them (Discord guild roles). */
  readonly senderRoles?: readonly string[] | undefined;
}

/** Where an outgoing message goes. */
export interface OutboundTarget {
  readonly chatId: string;
  readonly threadId?: string | undefined;
  readonly replyToId?: string | undefined;
}

/** What an adapter knows of its connection; the manager adds the rest. */
export interface TransportState {
  running: boolean;
  connected: boolean;
  /** What went wrong last, with the next step; null once it works again. */
  lastError: string | null;
  /** The account cannot work until its config changes (bad token): no reconnect is tried. */
  terminal: boolean;
  lastConnectedAt: number | null;
  lastTransportActivityAt: number | null;
  reconnectAttempts: number;
  mode: string;
  /** WhatsApp: the device is linked (its credentials are accepted). */
  linked?: boolean | undefined;
  /** WhatsApp: the QR code to scan while linking, null once linked. */
  loginQr?: string | null | undefined;
}

/** A transport that has not started yet. */
export function initialTransportState(mode = ""): TransportState {
  return {
    running: false,
    connected: false,
    lastError: null,
    terminal: false,
    lastConnectedAt: null,
    lastTransportActivityAt: null,
    reconnectAttempts: 0,
    mode,
  };
}

/** A numeric setting from an account's raw settings, clamped to its range (the schema already checked it). */
export function numberSetting(value: unknown, fallback: number, min: number, max: number): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

export interface ProbeOutcome {
  readonly ok: boolean;
  readonly status?: number | undefined;
  readonly error?: string | undefined;
  readonly elapsedMs: number;
  /** The platform's own description of the bot (Telegram: the raw getMe answer). */
  readonly bot?: Record<string, unknown> | undefined;
}

/** What the manager gives an adapter. */
export interface AdapterHost {
  readonly log: Logger;
  /** A message arrived. The adapter has already advanced past it: the manager owns what happens next. */
  inbound(message: InboundMessage): void;
  /** Part of the transport state changed. */
  state(patch: Partial<TransportState>): void;
  /** The last committed position of the update stream, kept across restarts (Telegram: the offset). */
  readonly cursor: { load(): string | undefined; save(value: string): void };
}

export interface ChannelAdapter {
  readonly textLimit: number;
  /** At most this many lines per message (Discord: 17), when the platform folds longer ones. */
  readonly lineLimit?: number | undefined;
  /** Connects and keeps connected until `stop`; resolves once the first connection attempt has an outcome. */
  start(): Promise<void>;
  /** Disconnects within `timeoutMs` at most. */
  stop(timeoutMs: number): Promise<void>;
  probe(timeoutMs: number): Promise<ProbeOutcome>;
  /** Sends one chunk; `plain` when the platform refused the formatted form. Returns the platform's id. */
  send(target: OutboundTarget, text: string, options: { plain: boolean }): Promise<{ messageId: string }>;
  typing(target: OutboundTarget): Promise<void>;
  /** The chat a `send` target names, in the platform's form (prefixes dropped, numbers made JIDs); as given by default. */
  chatIdFor?(to: string): string;
  /** Unlinks the account at the service (WhatsApp); true when the service confirmed it. */
  logout?(): Promise<boolean>;
}

/** A send refused because of the markup itself (the manager then retries as plain text). */
export class MarkupRejectedError extends Error {
  override name = "MarkupRejectedError";
}

/** A send that will never succeed (chat not found, bot blocked): not retried. */
export class PermanentSendError extends Error {
  override name = "PermanentSendError";
}

/** One account's settings as the adapter needs them (the manager resolved inheritance and sources). */
export interface AdapterAccount {
  readonly channel: string;
  readonly accountId: string;
  readonly token: string;
  /** Channel-specific settings (Telegram: apiRoot, webhook…), already validated by the manager. */
  readonly settings: Readonly<Record<string, unknown>>;
}

export type AdapterFactory = (account: AdapterAccount, host: AdapterHost) => ChannelAdapter;
