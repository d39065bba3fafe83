/**
 * What the client commands share: the `--url/--token/--password/--timeout/--allow-insecure` options,
 * resolving the target, connecting, and turning a failure into a message with the next step.
 * @module
 */
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";
import { performance } from "node:perf_hooks";
import { systemNetworkWorld } from "../config/bind-world.js";
import { describeGatewaySource } from "../config/credential-origin.js";
import { GatewaySettingsError } from "../config/gateway-settings.js";
import { resolveGatewayTarget, type GatewayTarget } from "../config/gateway-target.js";
import { loadConfig } from "../config/load.js";
import type { OpenClawConfig } from "../config/schema.js";
import { GatewayCallError, GatewayClient, GatewayConnectError } from "../client/gateway-client.js";
import { VERSION } from "../version.js";
import type { CliContext } from "./command.js";
import { CliError, EXIT, UsageError } from "./errors.js";

export interface RpcOptions {
  url?: string;
  token?: string;
  password?: string;
  timeout?: string;
  allowInsecure?: boolean;
}

export function addRpcOptions(command: Command, defaultTimeoutMs: number): Command {
  return command
    .option(
      "--url <url>",
      "gateway WebSocket URL (default: OPENCLAW_GATEWAY_URL, gateway.remote.url, or the local gateway)",
    )
    .option("--token <token>", "gateway token (default: OPENCLAW_GATEWAY_TOKEN or the config)")
    .option("--password <password>", "gateway password (default: OPENCLAW_GATEWAY_PASSWORD or the config)")
    .option("--timeout <ms>", "how long to wait", String(defaultTimeoutMs))
    .option("--allow-insecure", "allow plain ws:// to a host that is neither loopback nor Tailscale");
}

export function parseTimeout(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 600_000)
    throw new UsageError(`--timeout takes milliseconds from 1 to 600000 (got "${raw}")`);
  return Number(raw);
}

/** The target for these options; `config` defaults to the profile's (loaded and validated). */
export async function resolveTarget(
  ctx: CliContext,
  opts: RpcOptions,
  config?: OpenClawConfig,
): Promise<GatewayTarget> {
  try {
    return await resolveGatewayTarget({
      flags: { url: opts.url, token: opts.token, password: opts.password, allowInsecure: opts.allowInsecure },
      env: ctx.env,
      config: config ?? loadConfig(ctx.paths.configPath, ctx.env).config,
      paths: ctx.paths,
      network: systemNetworkWorld(ctx.env),
      envOrigins: ctx.envOrigins,
    });
  } catch (error) {
    if (error instanceof GatewaySettingsError) {
      throw new CliError(error.message, {
        exitCode: error.source === "flag" ? EXIT.usage : EXIT.config,
        hint: error.fix,
      });
    }
    throw error;
  }
}

export function clientFor(
  target: GatewayTarget,
  timeoutMs: number,
  extra: { clientMode?: string; clientId?: string } = {},
): GatewayClient {
  return new GatewayClient({
    url: target.url,
    ca: readCa(target.caFile),
    token: target.token,
    password: target.password,
    version: VERSION,
    connectTimeoutMs: timeoutMs,
    clientId: extra.clientId ?? "cli",
    clientMode: extra.clientMode ?? "cli",
  });
}

function readCa(file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch {
    return undefined; // the TLS handshake then says what is wrong
  }
}

/** Why a connection or call failed, for people: the reason and what to do next. */
export function explainFailure(error: unknown, target: GatewayTarget): { reason: string; kind: string; hint: string } {
  if (error instanceof GatewayConnectError) {
    switch (error.kind) {
      case "refused":
        return {
          kind: "refused",
          reason: `connection refused at ${target.url}`,
          hint: target.remote
            ? "Check that the remote gateway runs and the address (or SSH tunnel) is right."
            : "Start it: openclaw gateway (or openclaw gateway start when it is installed as a service).",
        };
      case "timeout":
        return {
          kind: "timeout",
          reason: error.message,
          hint: "Check the address, the firewall, and that nothing else answers on that port.",
        };
      case "tls":
        return {
          kind: "tls",
          reason: `TLS failed: ${error.message}`,
          hint: "Use ws:// for a plain gateway, or fix the certificate of the wss:// endpoint.",
        };
      case "rejected":
        return {
          kind: "rejected",
          reason: error.message,
          hint: "The gateway refused the WebSocket upgrade; see its log: openclaw logs --level warn",
        };
      default:
        return {
          kind: error.kind,
          reason: error.message,
          hint: "Check that the gateway is running: openclaw gateway probe",
        };
    }
  }
  if (error instanceof GatewayCallError) {
    if (error.code === "AUTH_FAILED") return explainAuthFailure(error, target);
    if (error.code === "FORBIDDEN")
      return { kind: "forbidden", reason: error.message, hint: "This credential lacks the scope for that method." };
    // A failed agent run carries the provider's next step.
    const hint = (error.details as { hint?: unknown } | undefined)?.hint;
    if (typeof hint === "string" && hint) return { kind: "call", reason: error.message, hint };
    return {
      kind: "call",
      reason: `${error.code}: ${error.message}`,
      hint: "See the gateway's log for details: openclaw logs --level warn",
    };
  }
  return { kind: "error", reason: (error as Error).message, hint: "Rerun with --log-level debug for details." };
}

/**
 * An AUTH_FAILED answer, in words: which credential the CLI sent (its source, never its value), which one
 * the gateway expects, or how long a lockout lasts and how to end it. Callers try once and stop here.
 */
function explainAuthFailure(
  error: GatewayCallError,
  target: GatewayTarget,
): { reason: string; kind: string; hint: string } {
  const details = (error.details ?? {}) as { code?: string; authMode?: string; authSource?: string };
  const sent = target.credentialOrigin?.text ?? "no credential";
  if (details.code === "AUTH_RATE_LIMITED") {
    const seconds = Math.max(1, Math.ceil((error.retryAfterMs ?? 0) / 1000));
    return {
      kind: "locked-out",
      reason: `locked out for ${seconds} s: too many failed logins from this address (this attempt was not checked)`,
      hint: `Wait ${seconds} s, or clear it now by restarting the gateway, which keeps the count in memory (${target.remote ? "on its host" : "openclaw gateway restart for a service"}); this command used ${sent}.`,
    };
  }
  const expected = describeGatewaySource(
    details.authMode ?? (target.password ? "password" : "token"),
    details.authSource,
  );
  const missing = target.credentialOrigin === undefined;
  return {
    kind: "auth",
    reason: missing
      ? `authentication failed: the gateway wants a ${details.authMode ?? "token"} and this command has none`
      : `authentication failed: the gateway refused ${sent}${expected ? `; it expects ${expected}` : ""}`,
    hint: `Use this gateway's ${details.authMode === "password" ? "password" : "token"}: --token, OPENCLAW_GATEWAY_TOKEN, or ${target.remote ? "gateway.remote.token" : "gateway.auth.token"} (openclaw config get gateway.auth.token --show-secrets on the gateway host). Not retried: each failure counts towards a lockout.`,
  };
}

/** Connects, runs `fn`, and always closes; failures become a CliError (exit 1) with the next step. */
export async function withGateway<T>(
  ctx: CliContext,
  opts: RpcOptions,
  defaultTimeoutMs: number,
  fn: (client: GatewayClient, target: GatewayTarget, timeoutMs: number) => Promise<T>,
): Promise<T> {
  const timeoutMs = parseTimeout(opts.timeout, defaultTimeoutMs);
  const target = await resolveTarget(ctx, opts);
  const client = clientFor(target, timeoutMs);
  try {
    await client.connect();
    return await fn(client, target, timeoutMs);
  } catch (error) {
    const why = explainFailure(error, target);
    throw new CliError(
      `Gateway ${why.kind === "call" || why.kind === "forbidden" ? "call failed" : "not reachable"}: ${why.reason}`,
      { hint: why.hint },
    );
  } finally {
    await client.close();
  }
}

/** What a probe learns from `status` (pid and paths only with admin scope). */
export interface ProbeStatus {
  runtimeVersion: string;
  uptimeMs: number;
  gateway: {
    port: number;
    bind: string;
    listening: string[];
    auth: string;
    clients: number;
    pid?: number;
    configPath?: string;
    profile?: string;
  };
  config: { reload: { status: string; errors?: string[] } };
}

export interface ProbeResult {
  id: string;
  label: string;
  url: string;
  ok: boolean;
  latencyMs?: number;
  auth: string;
  version?: string;
  protocol?: number;
  status?: ProbeStatus;
  error?: { kind: string; message: string; hint: string };
}

/** One connect + `status` call, timed; never throws. */
export async function probeOne(
  target: GatewayTarget,
  id: string,
  label: string,
  timeoutMs: number,
): Promise<ProbeResult> {
  const started = performance.now();
  const client = clientFor(target, timeoutMs, { clientId: "openclaw-probe", clientMode: "probe" });
  try {
    const hello = await client.connect();
    const status = await client.call<ProbeStatus>("status", {}, timeoutMs).catch(() => undefined);
    const server = hello.server as { version?: string } | undefined;
    return {
      id,
      label,
      url: target.url,
      ok: true,
      latencyMs: Math.round(performance.now() - started),
      auth: target.authLabel,
      ...(server?.version ? { version: server.version } : {}),
      protocol: hello.protocol as number,
      ...(status ? { status } : {}),
    };
  } catch (error) {
    const why = explainFailure(error, target);
    return {
      id,
      label,
      url: target.url,
      ok: false,
      auth: target.authLabel,
      error: { kind: why.kind, message: why.reason, hint: why.hint },
    };
  } finally {
    await client.close();
  }
}

/** Whether a probe failed on its credential: trying again cannot help and counts towards a lockout. */
export function isAuthFailure(probe: ProbeResult): boolean {
  return probe.error?.kind === "auth" || probe.error?.kind === "locked-out";
}

/**
 * Probes until it answers or `totalMs` passes (a service takes a moment to come up). A credential the
 * gateway refuses ends it at once: a retry loop would lock the user out.
 */
export async function waitForProbe(target: GatewayTarget, totalMs: number): Promise<ProbeResult> {
  const deadline = Date.now() + totalMs;
  let last = await probeOne(target, "local", "Local", 2000);
  while (!last.ok && !isAuthFailure(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    last = await probeOne(target, "local", "Local", 2000);
  }
  return last;
}

/** `GET /readyz` on the target's port, without credentials: `ready`, `starting`, or `down` (nothing answers). */
export function probeReadiness(target: GatewayTarget, timeoutMs: number): Promise<"ready" | "starting" | "down"> {
  const url = new URL(target.url.replace(/^ws/, "http"));
  url.pathname = "/readyz";
  const get = url.protocol === "https:" ? httpsGet : httpGet;
  return new Promise((resolve) => {
    const req = get(url, { timeout: timeoutMs, ca: readCa(target.caFile) }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? "ready" : "starting");
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve("down"));
  });
}

/** Polls `/readyz` until the gateway is ready (or gone, with `until: "down"`), at most `totalMs`. */
export async function waitForReadiness(
  target: GatewayTarget,
  totalMs: number,
  until: "ready" | "down" = "ready",
): Promise<"ready" | "starting" | "down"> {
  const deadline = Date.now() + totalMs;
  let state = await probeReadiness(target, 1000);
  while (state !== until && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    state = await probeReadiness(target, 1000);
  }
  return state;
}
