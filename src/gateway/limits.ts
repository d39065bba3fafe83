/** Every bound the gateway enforces, in one place, with the few that the environment may tune. @module */
import type { Env } from "../config/paths.js";

export interface GatewayLimits {
  /** Largest WebSocket message after the handshake (advertised as policy.maxPayload). */
  readonly maxPayload: number;
  /** Bytes queued for one client before it is a slow consumer (advertised as policy.maxBufferedBytes). */
  readonly maxBufferedBytes: number;
  /** Largest frame before `connect` succeeds. */
  readonly maxPreauthPayload: number;
  readonly tickIntervalMs: number;
  readonly handshakeTimeoutMs: number;
  readonly maxConnections: number;
  /** Unauthenticated sockets per remote address; a new one evicts the oldest instead of being refused. */
  readonly maxPreauthPerAddress: number;
  readonly maxPreauthTotal: number;
  readonly maxInflightPerConnection: number;
  /** Above this many bytes queued to a client, its further requests wait (its socket is not read). */
  readonly sendHighWaterBytes: number;
  /** A client whose queued bytes do not go down for this long has stopped reading: disconnected. */
  readonly stalledReaderMs: number;
  /** Consecutive scope/role refusals before a socket is closed. */
  readonly maxUnauthorizedCalls: number;
  readonly drainTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxHeaderBytes: number;
  /** config.patch and config.apply per client address per minute. */
  readonly configWritesPerMinute: number;
}

export const DEFAULT_LIMITS: GatewayLimits = {
  maxPayload: 25 * 1024 * 1024,
  maxBufferedBytes: 50 * 1024 * 1024,
  maxPreauthPayload: 64 * 1024,
  tickIntervalMs: 30_000,
  handshakeTimeoutMs: 15_000,
  maxConnections: 4096,
  maxPreauthPerAddress: 32,
  maxPreauthTotal: 512,
  maxInflightPerConnection: 64,
  sendHighWaterBytes: 4 * 1024 * 1024,
  stalledReaderMs: 10_000,
  maxUnauthorizedCalls: 10,
  drainTimeoutMs: 5_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxHeaderBytes: 16 * 1024,
  configWritesPerMinute: 3,
};

function positive(raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
  const n = Number(raw);
  return n >= min && n <= max ? n : undefined;
}

/** Upstream's tuning variables, plus a tick interval for tests and constrained links. */
export function resolveLimits(env: Env): GatewayLimits {
  return {
    ...DEFAULT_LIMITS,
    handshakeTimeoutMs: positive(env.OPENCLAW_HANDSHAKE_TIMEOUT_MS, 100, 120_000) ?? DEFAULT_LIMITS.handshakeTimeoutMs,
    maxPreauthPerAddress:
      positive(env.OPENCLAW_MAX_PREAUTH_CONNECTIONS_PER_IP, 1, 1024) ?? DEFAULT_LIMITS.maxPreauthPerAddress,
    tickIntervalMs: positive(env.OPENCLAW_TICK_INTERVAL_MS, 100, 300_000) ?? DEFAULT_LIMITS.tickIntervalMs,
  };
}
