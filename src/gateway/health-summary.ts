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

export function healthSummary(runtime: GatewayRuntime): Record<string, unknown> {
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
    channels: {},
    channelOrder: [],
    channelLabels: {},
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
