/** `openclaw health`: the gateway's detailed health snapshot. @module */
import type { Command } from "commander";
import type { CliContext } from "../command.js";
import { EXIT } from "../errors.js";
import { addRpcOptions, withGateway, type RpcOptions } from "../gateway-rpc.js";

interface Health {
  ok: boolean;
  version: string;
  uptime: number;
  durationMs: number;
  gateway: { port: number; bind: string; auth: string; listening: string[] };
  sessions: { path: string; count: number };
  models: { primary: string | null };
  configReload: { hotReloadStatus: string; errors?: string[] };
  eventLoop: { degraded: boolean; delayMaxMs: number; delayP99Ms: number; utilization: number };
}

export function formatUptime(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${seconds % 60}s`;
  return `${seconds}s`;
}

/** The text form of a health snapshot. */
export function renderHealth(health: Health, url: string, probeMs: number): string[] {
  const lines = [
    `Gateway: ${health.ok ? "ok" : "degraded"} (v${health.version}, up ${formatUptime(health.uptime)}) ${url}`,
    `Gateway event loop: ${health.eventLoop.degraded ? "degraded" : "ok"} max=${health.eventLoop.delayMaxMs}ms p99=${health.eventLoop.delayP99Ms}ms util=${health.eventLoop.utilization}`,
    `Gateway probe duration: ${probeMs}ms`,
    `Listening: ${health.gateway.listening.join(", ")} (bind ${health.gateway.bind}, auth ${health.gateway.auth})`,
    "Agents: default (default)",
    `Session store (default): ${health.sessions.path} (${health.sessions.count} entries)`,
    `Model: ${health.models.primary ?? "not configured (openclaw config set agents.defaults.model provider/model)"}`,
  ];
  lines.push(
    health.configReload.hotReloadStatus === "failed"
      ? `Config reload: FAILED, running on the last good config: ${(health.configReload.errors ?? []).join("; ")}`
      : `Config reload: ${health.configReload.hotReloadStatus}`,
  );
  return lines;
}

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  addRpcOptions(program.command("health").description("Show the running gateway's health snapshot"), 10_000)
    .option("--json", "print the snapshot as JSON")
    .action(async (opts: RpcOptions & { json?: boolean }) =>
      done(
        await withGateway(ctx, opts, 10_000, async (client, target, timeoutMs) => {
          const started = Date.now();
          const health = await client.call<Health>("health", {}, timeoutMs);
          if (opts.json) ctx.printJson(health);
          else for (const line of renderHealth(health, target.url, Date.now() - started)) ctx.print(line);
          return EXIT.ok;
        }),
      ),
    );
}
