/** The health snapshot: the reference's `HealthSummary` plus the seed's fields. @module */
import { monitorEventLoopDelay, performance, type IntervalHistogram } from "node:perf_hooks";
import { summarizeSessions } from "../sessions/summary.js";
import type { GatewayRuntime } from "./runtime.js";

let histogram: IntervalHistogram | undefined;
let lastUtilization = performance.eventLoopUtilization();

/** Starts measuring event-loop delay (once per process). */
export function startEventLoopMonitor(): void {
  if (histogram) return;
  histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
}

function eventLoop() {
  const utilization = performance.eventLoopUtilization(lastUtilization);
  lastUtilization = performance.eventLoopUtilization();
  const p99 = histogram ? histogram.percentile(99) / 1e6 : 0;
  const max = histogram ? histogram.max / 1e6 : 0;
  histogram?.reset();
  return {
    degraded: p99 > 500,
    delayP99Ms: Math.round(p99 * 10) / 10,
    delayMaxMs: Math.round(max * 10) / 10,
    utilization: Math.round(utilization.utilization * 1000) / 1000,
    intervalMs: 20,
  };
}

export function primaryModel(runtime: GatewayRuntime): string | null {
  const model = runtime.snapshot.config.agents?.defaults?.model;
  if (typeof model === "string") return model;
  return model?.primary ?? null;
}

const cache = new WeakMap<GatewayRuntime, { at: number; key: string; value: Record<string, unknown> }>();
/** A snapshot is reused for this long: connection storms must not re-read the session index each time. */
export const HEALTH_CACHE_MS = 1000;

/** Each channel's default account flattened, with every account under `accounts` (upstream's health shape). */
function channelHealth(runtime: GatewayRuntime): Record<string, unknown> {
  const channels = runtime.channels?.health() ?? {};
  const order = Object.keys(channels);
  return {
    channels,
    channelOrder: order,
    channelLabels: Object.fromEntries(order.map((id) => [id, id === "telegram" ? "Telegram" : id])),
  };
}

/**
 * The health snapshot, cached briefly; `fresh` forces a new one (health with probe:true). Channel states
 * are always live (they cost nothing to read, and a stale "connecting" would hide an error).
 */
export function healthSummary(runtime: GatewayRuntime, fresh = false): Record<string, unknown> {
  // A change of reload status or listeners shows at once; everything else may be a second old.
  const key = `${runtime.reload.status}|${runtime.reload.lastAttemptAt ?? 0}|${runtime.listening.join(",")}|${runtime.snapshot.hash}`;
  const cached = cache.get(runtime);
  if (!fresh && cached && cached.key === key && Date.now() - cached.at < HEALTH_CACHE_MS)
    return { ...cached.value, ...channelHealth(runtime) };
  const value = buildHealthSummary(runtime);
  cache.set(runtime, { at: Date.now(), key, value });
  return value;
}

function buildHealthSummary(runtime: GatewayRuntime): Record<string, unknown> {
  const started = performance.now();
  const sessions = summarizeSessions(runtime.paths.agentsDir, "default");
  const heartbeat = { enabled: false, every: null, everyMs: null, prompt: null, target: null, ackMaxChars: null };
  return {
    ok: true,
    ts: Date.now(),
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    version: runtime.version,
    uptime: Math.floor((Date.now() - runtime.startedAt) / 1000),
    gateway: {
      port: runtime.settings.port,
      bind: runtime.settings.bind,
      auth: runtime.auth.mode,
      listening: [...runtime.listening],
    },
    ...channelHealth(runtime),
    heartbeatSeconds: 0,
    defaultAgentId: "default",
    agents: [
      {
        agentId: "default",
        isDefault: true,
        heartbeat,
        sessions: { path: sessions.path, count: sessions.count, recent: sessions.recent },
      },
    ],
    sessions: {
      path: sessions.path,
      count: sessions.count,
      recent: sessions.recent,
      ...(sessions.error ? { error: sessions.error } : {}),
    },
    models: { primary: primaryModel(runtime) },
    plugins: { loaded: [], errors: [], unavailable: [] },
    configReload: {
      hotReloadStatus: runtime.reload.status,
      ...(runtime.reload.lastAttemptAt ? { lastAttemptAt: runtime.reload.lastAttemptAt } : {}),
      ...(runtime.reload.errors ? { errors: runtime.reload.errors } : {}),
    },
    modelRuntime: { degraded: false, pendingAgents: 0 },
    eventLoop: eventLoop(),
  };
}
