/** `openclaw status`: a local summary; `--all` a paste-able diagnosis with every secret masked. @module */
import type { Command } from "commander";
import { runDoctor } from "../../config/doctor.js";
import { formatIssueLine } from "../../config/issues.js";
import { readConfigSnapshot } from "../../config/load.js";
import { redactConfig } from "../../config/secrets.js";
import { listDailyLogs } from "../../logging/files.js";
import { redactString } from "../../logging/redact.js";
import { readLastLines } from "../../logging/tail.js";
import { summarizeSessions } from "../../sessions/summary.js";
import { VERSION } from "../../version.js";
import type { CliContext } from "../command.js";
import { EXIT } from "../errors.js";
import {
  addRpcOptions,
  clientFor,
  explainFailure,
  parseTimeout,
  resolveTarget,
  type RpcOptions,
} from "../gateway-rpc.js";
import { formatUptime } from "./health.js";

interface GatewayStatus {
  runtimeVersion: string;
  uptimeMs: number;
  gateway: { listening: string[]; auth: string; clients: number; bind: string };
  sessions: { count: number };
  config: { reload: { status: string; errors?: string[] } };
}

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  addRpcOptions(program.command("status").description("Summarise config, gateway, auth, sessions and channels"), 3000)
    .option("--json", "print the summary as JSON")
    .option("--deep", "also fetch the gateway's full health snapshot and its metrics")
    .option("--all", "a full diagnosis to paste into a bug report (secrets masked)")
    .action(async (opts: RpcOptions & { json?: boolean; deep?: boolean; all?: boolean }) =>
      done(await statusCommand(ctx, opts)),
    );
}

async function statusCommand(
  ctx: CliContext,
  opts: RpcOptions & { json?: boolean; deep?: boolean; all?: boolean },
): Promise<number> {
  const timeoutMs = parseTimeout(opts.timeout, 3000);
  const snapshot = readConfigSnapshot(ctx.paths.configPath, ctx.env);
  const channels: { id: string; enabled: boolean; state?: string; lastError?: string | null }[] = Object.entries(
    (snapshot.config.channels ?? {}) as Record<string, { enabled?: unknown } | undefined>,
  ).map(([id, c]) => ({ id, enabled: c?.enabled !== false }));
  const model = snapshot.config.agents?.defaults?.model;
  const primary = typeof model === "string" ? model : (model?.primary ?? null);

  let gateway: {
    url?: string;
    auth?: string;
    reachable: boolean;
    error?: { reason: string; hint: string };
    status?: GatewayStatus;
    health?: unknown;
    metrics?: import("./metrics-summary.js").MetricsSummary;
  } = { reachable: false };
  if (snapshot.valid) {
    const target = await resolveTarget(ctx, opts).catch((error: Error) => error);
    if (target instanceof Error) {
      gateway = { reachable: false, error: { reason: target.message, hint: (target as { hint?: string }).hint ?? "" } };
    } else {
      gateway = { url: target.url, auth: target.authLabel, reachable: false };
      const client = clientFor(target, timeoutMs);
      try {
        const hello = await client.connect();
        // The live channel states come with the handshake (hello-ok's health snapshot): no extra call.
        const health = (
          hello.snapshot as { health?: { channels?: Record<string, { state?: string; lastError?: string | null }> } }
        )?.health;
        for (const channel of channels) {
          const live = health?.channels?.[channel.id];
          if (live?.state) Object.assign(channel, { state: live.state, lastError: live.lastError ?? null });
        }
        gateway.status = await client.call<GatewayStatus>("status", {}, timeoutMs);
        if (opts.deep || opts.all) gateway.health = await client.call("health", { probe: true }, timeoutMs);
        if (opts.deep) {
          const { text } = await client.call<{ text: string }>("metrics", {}, timeoutMs);
          gateway.metrics = (await import("./metrics-summary.js")).summarizeMetrics(text);
        }
        gateway.reachable = true;
      } catch (error) {
        const why = explainFailure(error, target);
        gateway.error = { reason: why.reason, hint: why.hint };
      } finally {
        await client.close();
      }
    }
  }
  const sessions = gateway.status?.sessions.count ?? summarizeSessions(ctx.paths.agentsDir, "default").count;
  const summary = {
    version: VERSION,
    profile: ctx.profile,
    stateDir: ctx.paths.stateDir,
    config: {
      path: snapshot.path,
      exists: snapshot.exists,
      valid: snapshot.valid,
      issues: snapshot.issues,
      ignored: snapshot.ignored,
    },
    gateway,
    sessions: { count: sessions },
    channels,
    model: { primary },
  };

  if (opts.all) {
    printDiagnosis(ctx, summary, snapshot);
    return EXIT.ok;
  }
  if (opts.json) {
    ctx.printJson(summary);
    return EXIT.ok;
  }
  ctx.print(`OpenClaw ${VERSION} status (profile ${ctx.profile})`);
  if (!snapshot.exists) ctx.print(`Config:   ${snapshot.path} (missing; defaults apply)`);
  else if (snapshot.valid) ctx.print(`Config:   ${snapshot.path} (valid)`);
  else {
    ctx.print(`Config:   ${snapshot.path} INVALID, ${snapshot.issues.length} problem(s):`);
    for (const issue of snapshot.issues) ctx.print(`          ${formatIssueLine(issue)}`);
    ctx.print("          Fix them, then: openclaw config validate");
  }
  if (gateway.reachable && gateway.status) {
    const s = gateway.status;
    ctx.print(
      `Gateway:  reachable at ${gateway.url} (v${s.runtimeVersion}, up ${formatUptime(Math.floor(s.uptimeMs / 1000))}, ${s.gateway.clients} client(s))`,
    );
    if (s.config.reload.status === "failed")
      ctx.print(`Reload:   FAILED, running on the last good config: ${(s.config.reload.errors ?? []).join("; ")}`);
  } else if (gateway.error) {
    ctx.print(`Gateway:  not reachable${gateway.url ? ` at ${gateway.url}` : ""}: ${gateway.error.reason}`);
    if (gateway.error.hint) ctx.print(`          ${gateway.error.hint}`);
  } else {
    ctx.print("Gateway:  not checked (fix the config first)");
  }
  ctx.print(`Auth:     ${gateway.auth ?? "unknown"}`);
  ctx.print(`Sessions: ${sessions} (agent default)`);
  ctx.print(
    `Channels: ${channels.length ? channels.map((c) => `${c.id} (${c.state ?? (c.enabled ? "enabled" : "disabled")})`).join(", ") : "none configured"}`,
  );
  for (const c of channels)
    if (c.lastError && c.state !== "connected")
      ctx.print(`          ${c.id}: ${c.lastError} (openclaw channels status)`);
  ctx.print(`Model:    ${primary ?? "not configured"}`);
  if (opts.deep && gateway.health) {
    const loop = (gateway.health as { eventLoop?: { delayP99Ms: number; utilization: number } }).eventLoop;
    if (loop) ctx.print(`Event loop: p99 ${loop.delayP99Ms}ms, utilization ${loop.utilization}`);
  }
  if (gateway.metrics) {
    const { renderMetricsSummary } = await import("./metrics-summary.js");
    for (const line of renderMetricsSummary(gateway.metrics)) ctx.print(line);
  }
  return EXIT.ok;
}

function printDiagnosis(
  ctx: CliContext,
  summary: Record<string, unknown>,
  snapshot: ReturnType<typeof readConfigSnapshot>,
): void {
  const secrets = new Set<string>();
  for (const value of [
    ctx.env.OPENCLAW_GATEWAY_TOKEN,
    ctx.env.OPENCLAW_GATEWAY_PASSWORD,
    snapshot.config.gateway?.auth?.token,
    snapshot.config.gateway?.auth?.password,
    snapshot.config.gateway?.remote?.token,
    snapshot.config.gateway?.remote?.password,
  ]) {
    if (value) secrets.add(value);
  }
  const mask = (text: string) => redactString(text, secrets);
  const env = Object.keys(ctx.env)
    .filter((k) => k.startsWith("OPENCLAW_"))
    .toSorted()
    .map((k) => `${k}=${/TOKEN|PASSWORD|KEY|SECRET/.test(k) ? "(set, masked)" : ctx.env[k]}`);
  const logs = readLastLines(
    listDailyLogs(ctx.paths.logsDir).map((f) => f.path),
    { limit: 30, maxBytes: 256 * 1024 },
  );
  const doctor = runDoctor({
    paths: ctx.paths,
    env: ctx.env,
    nodeVersion: ctx.nodeVersion,
    fix: false,
    now: ctx.now(),
  });
  const sections: [string, string][] = [
    ["Versions", `openclaw ${VERSION}, Node.js ${ctx.nodeVersion}, ${process.platform} ${process.arch}`],
    [
      "Profile and paths",
      `profile ${ctx.profile}\nstate dir ${ctx.paths.stateDir}\nconfig ${ctx.paths.configPath}\nlogs ${ctx.paths.logsDir}`,
    ],
    ["Environment (OPENCLAW_*)", env.join("\n") || "(none)"],
    ["Config (secrets masked)", JSON.stringify(redactConfig(snapshot.resolved), null, 2)],
    ["Summary", JSON.stringify(summary, null, 2)],
    [
      "Doctor",
      doctor
        .map((c) => `${c.status.padEnd(5)} ${c.message}${c.next && c.status !== "ok" ? ` -> ${c.next}` : ""}`)
        .join("\n"),
    ],
    ["Last log lines", logs.join("\n") || "(none)"],
  ];
  for (const [title, body] of sections) {
    ctx.print(`## ${title}`);
    ctx.print(mask(body));
    ctx.print("");
  }
}
