/**
 * `openclaw gateway run`: the start-up sequence (config, token, bind rule, lock, listen), config reload,
 * in-process restart, and the orderly stop on SIGTERM/SIGINT. Resolves with the exit code.
 * @module
 */
import { performance } from "node:perf_hooks";
import { resolveBindTarget, type BindTarget, type NetworkWorld } from "../config/bind.js";
import {
  checkBindAllowed,
  GatewaySettingsError,
  resolveGatewaySettings,
  type GatewayFlags,
  type GatewaySettings,
} from "../config/gateway-settings.js";
import { ConfigError, formatIssueLine } from "../config/issues.js";
import { readConfigSnapshot, type ConfigSnapshot } from "../config/load.js";
import { envFlag, type Env, type StatePaths } from "../config/paths.js";
import { updateConfig } from "../config/update.js";
import { ensureGatewayToken } from "../config/token.js";
import { writeProblem } from "../files/fs-safe.js";
import { dailyLogPath } from "../logging/files.js";
import { createLogger, isLogLevel, type Logger, type LogLevel } from "../logging/logger.js";
import { AgentRuns } from "./agent-runs.js";
import type { ChannelManager } from "../channels/manager.js";
import { createChannelManager } from "./channels.js";
import { DeviceStore } from "./devices.js";

const CHANNEL_START_DELAY_MS = 100;
import { ClientRegistry } from "./clients.js";
import { MetricsRecorder } from "./metrics.js";
import { BrowserClient } from "../browser/client.js";
import { CanvasCapabilities } from "./canvas.js";
import { browserSettings } from "../browser/settings.js";
import { startEventLoopMonitor } from "./health-summary.js";
import { resolveLimits } from "./limits.js";
import { acquireStateLock, StateLockedError, isProcessAlive, readLock, type HeldLock } from "../config/state-lock.js";
import { diagnosePort } from "./port-diagnosis.js";
import { AuthRateLimiter, DEFAULT_RATE_LIMIT } from "./rate-limit.js";
import { authChanged, planReload, watchConfigFile, type ReloadMode } from "./reload.js";
import type { GatewayRuntime } from "./runtime.js";
import { GatewayServer, ListenError } from "./server.js";
import { exposeWithTailscale, resetTailscale, systemTailscale, type TailscaleCli } from "./tailscale.js";

export interface RunGatewayOptions {
  readonly paths: StatePaths;
  readonly env: Env;
  readonly flags: GatewayFlags;
  readonly allowUnconfigured: boolean;
  readonly force: boolean;
  readonly verbose: boolean;
  readonly version: string;
  readonly network: NetworkWorld;
  readonly console: { write(text: string): unknown; isTTY?: boolean };
  readonly color: boolean;
  readonly signals: {
    on(signal: NodeJS.Signals, fn: () => void): unknown;
    off(signal: NodeJS.Signals, fn: () => void): unknown;
  };
  /** The `tailscale` command; the one on PATH when left out. */
  readonly tailscale?: TailscaleCli;
}

/** A start-up failure with the message and the next step; `exitCode` 78 stops supervisors from retrying. */
export class GatewayStartError extends Error {
  override name = "GatewayStartError";
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

function makeLogger(options: RunGatewayOptions, snapshot: ConfigSnapshot | undefined): Logger {
  const logging = snapshot?.valid ? snapshot.config.logging : undefined;
  const envLevel = options.env.OPENCLAW_LOG_LEVEL;
  const fileLevel: LogLevel = logging?.level ?? (envLevel && isLogLevel(envLevel) ? envLevel : "info");
  const consoleLevel: LogLevel = options.verbose ? "debug" : (logging?.consoleLevel ?? "info");
  return createLogger(
    {
      level: fileLevel,
      file: {
        dir: options.paths.logsDir,
        fixedPath: logging?.file,
        maxFileBytes: logging?.maxFileBytes,
        retentionDays: logging?.retentionDays,
      },
      console: {
        stream: options.console,
        level: consoleLevel,
        color: options.color,
        style: logging?.consoleStyle ?? "pretty",
      },
    },
    "gateway",
  );
}

/** Loads the config for starting, creating a minimal one on a fresh machine and a token when none is set. */
function prepareConfig(options: RunGatewayOptions, log: Logger): ConfigSnapshot {
  const { paths, env } = options;
  let snapshot = readConfigSnapshot(paths.configPath, env);
  if (!snapshot.valid) throw new ConfigError(paths.configPath, snapshot.issues);
  if (!snapshot.exists) {
    const outcome = updateConfig({
      configPath: paths.configPath,
      logsDir: paths.logsDir,
      env,
      edits: [{ path: ["gateway", "mode"], value: "local" }],
      command: "gateway (first start)",
      now: new Date(),
    });
    snapshot = outcome.after;
    log.info(`created ${paths.configPath} (gateway.mode local)`);
  }
  if (snapshot.config.gateway?.mode === "remote" && !options.allowUnconfigured) {
    const url = snapshot.config.gateway.remote?.url;
    throw new GatewayStartError(
      `Gateway start blocked: gateway.mode is remote${url ? ` (this machine is a client of ${url})` : ""}, so no local gateway runs here.`,
      78,
      "Set gateway.mode=local (openclaw config set gateway.mode local) or pass --allow-unconfigured.",
    );
  }
  return snapshot;
}

function ensureToken(
  options: RunGatewayOptions,
  snapshot: ConfigSnapshot,
  settings: GatewaySettings,
  log: Logger,
): ConfigSnapshot {
  const result = ensureGatewayToken({
    paths: options.paths,
    env: options.env,
    snapshot,
    settings,
    command: "gateway (token generated)",
  });
  if (result.generated) {
    log.info(
      `generated a gateway token and saved it to ${options.paths.configPath} (gateway.auth.token); show it with: openclaw config get gateway.auth.token --show-secrets, or open the dashboard: openclaw dashboard`,
    );
  }
  return result.snapshot;
}

async function stopHolder(pid: number, log: Logger): Promise<void> {
  log.warn(`--force: stopping the gateway that holds this state directory (pid ${pid})`);
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline && isProcessAlive(pid)) await new Promise((r) => setTimeout(r, 100));
  if (isProcessAlive(pid)) {
    log.warn(`pid ${pid} did not stop in time; sending SIGKILL`);
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts the gateway and resolves with the exit code when it stops. */
/** The state directory must be writable before anything (the log included) tries to write there. */
function checkStateWritable(stateDir: string): void {
  const problem = writeProblem(stateDir);
  if (!problem) return;
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const owner = problem.ownerUid === undefined ? "" : `, owned by uid ${problem.ownerUid}`;
  throw new GatewayStartError(
    `the state directory ${stateDir} is not writable by this process (uid ${uid}${owner}): ${problem.code}`,
    78,
    [
      `Give it to the gateway's user: sudo chown -R ${uid}:${gid} ${stateDir}`,
      `For a Docker volume: docker run --rm -v <volume>:${stateDir} --user root --entrypoint chown <image> -R ${uid}:${gid} ${stateDir}`,
      "Or point OPENCLAW_STATE_DIR at a directory this user owns.",
    ].join("\n"),
  );
}

export async function runGateway(options: RunGatewayOptions): Promise<number> {
  const { paths, env } = options;
  checkStateWritable(paths.stateDir);
  // The log goes to the default daily file until the config (with logging.*) is known to be valid.
  let log = makeLogger(options, undefined);
  let snapshot: ConfigSnapshot;
  let settings: GatewaySettings;
  let bind: BindTarget;
  let lock: HeldLock;
  try {
    snapshot = prepareConfig(options, log);
    log.close();
    log = makeLogger(options, snapshot);
    settings = resolveGatewaySettings({ flags: options.flags, env, config: snapshot.config, paths });
    snapshot = ensureToken(options, snapshot, settings, log);
    settings = resolveGatewaySettings({ flags: options.flags, env, config: snapshot.config, paths });
    bind = await resolveBindTarget(settings.bind, settings.customBind, options.network);
    checkBindAllowed(settings, bind.loopbackOnly);
    if (settings.auth.mode === "none")
      log.warn("auth mode none: every connection is unauthenticated (allowed on loopback only)");
    if (bind.note) log.info(bind.note);
    try {
      lock = acquireStateLock(paths.stateDir, { configPath: paths.configPath, port: settings.port });
    } catch (error) {
      if (!(error instanceof StateLockedError) || !options.force) throw error;
      await stopHolder(error.holder.pid, log);
      lock = acquireStateLock(paths.stateDir, { configPath: paths.configPath, port: settings.port });
    }
  } catch (error) {
    const failure = toStartError(error, paths);
    log.error(`gateway failed to start: ${failure.message}`);
    log.close();
    throw failure;
  }

  for (const secret of [settings.auth.token, settings.auth.password]) if (secret) log.addSecret(secret);
  const limits = resolveLimits(env);
  const configWrites = new Map<string, number[]>();
  let server: GatewayServer;
  let pendingRestart: NodeJS.Timeout | undefined;
  const runtime: GatewayRuntime = {
    version: options.version,
    startedAt: Date.now() - Math.round(performance.now()),
    pid: process.pid,
    paths,
    env,
    log,
    limits,
    rateLimiter: new AuthRateLimiter({
      maxAttempts: snapshot.config.gateway?.auth?.rateLimit?.maxAttempts ?? DEFAULT_RATE_LIMIT.maxAttempts,
      windowMs: snapshot.config.gateway?.auth?.rateLimit?.windowMs ?? DEFAULT_RATE_LIMIT.windowMs,
      lockoutMs: snapshot.config.gateway?.auth?.rateLimit?.lockoutMs ?? DEFAULT_RATE_LIMIT.lockoutMs,
    }),
    clients: new ClientRegistry({ version: options.version }),
    devices: new DeviceStore(paths.stateDir),
    metrics: new MetricsRecorder(),
    canvasCapabilities: new CanvasCapabilities(),
    // Upstream's port plan: control = gateway + 2, the managed profile's CDP = control + 9.
    browser: new BrowserClient({
      stateDir: paths.stateDir,
      env,
      settings: () => browserSettings(runtime.snapshot.config.browser, env, runtime.settings.port + 11),
      log: log.child("browser"),
    }),
    tailscale: options.tailscale ?? systemTailscale(env),
    // Set right below: the runs and the channels need the runtime they belong to.
    agents: undefined as unknown as AgentRuns,
    channels: undefined as unknown as ChannelManager,
    snapshot,
    settings,
    bind,
    auth: settings.auth,
    listening: [],
    ready: false,
    shuttingDown: false,
    reload: { status: snapshot.config.gateway?.reload?.mode === "off" ? "off" : "ok" },
    requestRestart: (reason, delayMs = 250) => {
      clearTimeout(pendingRestart);
      pendingRestart = setTimeout(() => void restart(reason), delayMs);
    },
    reloadNow: (source) => reloadFromDisk(source),
    currentLogFile: () => runtime.snapshot.config.logging?.file ?? dailyLogPath(paths.logsDir, new Date()),
    takeConfigWriteBudget: (address) => {
      const now = Date.now();
      const recent = (configWrites.get(address) ?? []).filter((t) => now - t < 60_000);
      if (recent.length >= limits.configWritesPerMinute) return 60_000 - (now - recent[0]!);
      recent.push(now);
      configWrites.set(address, recent);
      if (configWrites.size > 10_000) configWrites.delete(configWrites.keys().next().value!);
      return 0;
    },
  };
  runtime.agents = new AgentRuns(runtime);
  runtime.browser.reapOrphans();
  runtime.channels = createChannelManager(runtime);
  startEventLoopMonitor();
  server = new GatewayServer(runtime);
  try {
    runtime.listening = await server.listen();
  } catch (error) {
    lock.release();
    const failure = toStartError(error, paths);
    log.error(`gateway failed to start: ${failure.message}`);
    log.close();
    throw failure;
  }
  runtime.ready = true;
  // What Tailscale currently exposes: set at start, changed by an in-process restart, undone at exit.
  let exposed: "off" | "serve" | "funnel" = "off";
  let exposedPort = 0;
  async function applyTailscale(): Promise<void> {
    const wanted = runtime.settings.tailscale.mode;
    if (wanted === exposed && (wanted === "off" || exposedPort === runtime.settings.port)) return;
    if (exposed !== "off") {
      await resetTailscale(runtime.tailscale, exposed);
      log.info(`tailscale ${exposed} reset (the configuration changed)`);
      exposed = "off";
    }
    if (wanted === "off") return;
    try {
      await exposeWithTailscale(runtime.tailscale, wanted, runtime.settings.port);
      exposed = wanted;
      exposedPort = runtime.settings.port;
      log.info(
        `tailscale ${wanted}: https://<this machine's MagicDNS name>/ now reaches 127.0.0.1:${runtime.settings.port}`,
      );
    } catch (error) {
      // The gateway still answers on loopback; say what failed and how to check.
      log.error(`${(error as Error).message}; the gateway answers on loopback only. Check: tailscale status`);
    }
  }
  await applyTailscale();
  // Upstream's opt-in browser control port (gateway + 2, loopback only); the CLI and the agent use the socket.
  let browserControl: { server: import("node:http").Server; port: number } | undefined;
  async function applyBrowserControl(): Promise<void> {
    const wanted =
      envFlag(env, "OPENCLAW_EAGER_BROWSER_CONTROL_SERVER") && !envFlag(env, "OPENCLAW_SKIP_BROWSER_CONTROL_SERVER");
    const port = runtime.settings.port + 2;
    if (browserControl && (!wanted || browserControl.port !== port)) {
      const closing = browserControl.server;
      browserControl = undefined;
      closing.closeAllConnections();
      await new Promise((r) => closing.close(r));
    }
    if (!wanted || browserControl) return;
    try {
      const { startBrowserControl } = await import("./browser-control.js");
      browserControl = { server: await startBrowserControl(runtime, port), port };
      log.info(`browser control listening on 127.0.0.1:${port}`);
    } catch (error) {
      log.warn(
        `browser control could not listen on 127.0.0.1:${port} (${(error as Error).message}); the browser still works through the gateway (browser.request)`,
      );
    }
  }
  await applyBrowserControl();
  // Container switches (docker-compose.yml): channels and the canvas host stay off when asked.
  for (const name of ["OPENCLAW_SKIP_CHANNELS", "OPENCLAW_SKIP_CANVAS_HOST"])
    if (envFlag(env, name))
      log.info(`${name === "OPENCLAW_SKIP_CHANNELS" ? "channels" : "canvas host"} skipped (${name}=1)`);
  announceReady(runtime, "ready");
  // After ready, never before, and a moment later: loading a channel's library blocks the event loop for a
  // few milliseconds, which must not delay the first readiness probes.
  setTimeout(() => void runtime.channels.start(), CHANNEL_START_DELAY_MS).unref();

  let restarting = false;
  async function restart(reason: string): Promise<void> {
    if (restarting || runtime.shuttingDown) return;
    restarting = true;
    try {
      const next = readConfigSnapshot(paths.configPath, env);
      if (!next.valid) {
        markReloadFailed(next.issues.map(formatIssueLine));
        log.error(`restart (${reason}) skipped: the config is invalid; still running on the last good config`);
        return;
      }
      let nextSettings: GatewaySettings;
      let nextBind: BindTarget;
      let withToken = next;
      try {
        nextSettings = resolveGatewaySettings({ flags: options.flags, env, config: next.config, paths });
        withToken = ensureToken(options, next, nextSettings, log);
        nextSettings = resolveGatewaySettings({ flags: options.flags, env, config: withToken.config, paths });
        nextBind = await resolveBindTarget(nextSettings.bind, nextSettings.customBind, options.network);
        checkBindAllowed(nextSettings, nextBind.loopbackOnly);
      } catch (error) {
        markReloadFailed([(error as Error).message]);
        log.error(`restart (${reason}) skipped: ${(error as Error).message}`);
        return;
      }
      log.info(`restarting in process (${reason})`);
      runtime.ready = false;
      const previous = { settings: runtime.settings, bind: runtime.bind, auth: runtime.auth };
      await server.stop("restart", 1500);
      Object.assign(runtime, { snapshot: withToken, settings: nextSettings, bind: nextBind, auth: nextSettings.auth });
      for (const secret of [nextSettings.auth.token, nextSettings.auth.password]) if (secret) log.addSecret(secret);
      server = new GatewayServer(runtime);
      try {
        runtime.listening = await server.listen();
      } catch (error) {
        log.error(
          `could not listen with the new settings (${(error as Error).message}); going back to the previous ones`,
        );
        Object.assign(runtime, previous);
        server = new GatewayServer(runtime);
        runtime.listening = await server.listen();
        markReloadFailed([`restart failed: ${(error as Error).message}`]);
      }
      lock.update({ port: runtime.settings.port });
      await applyTailscale();
      await applyBrowserControl();
      runtime.reload = {
        ...runtime.reload,
        status: runtime.reload.status === "failed" ? "failed" : "ok",
        lastAppliedAt: Date.now(),
        pendingRestart: false,
      };
      if (runtime.reload.status !== "failed") delete runtime.reload.errors;
      runtime.ready = true;
      announceReady(runtime, "restarted");
      void runtime.channels.applyConfig(runtime.snapshot.config);
    } catch (error) {
      log.fatal(`restart failed: ${(error as Error).message}`);
      void shutdown("restart failed", 1);
    } finally {
      restarting = false;
    }
  }

  function markReloadFailed(errors: string[]): void {
    runtime.metrics.inc("openclaw_config_reloads_total", { outcome: "rejected" });
    runtime.reload = { ...runtime.reload, status: "failed", lastAttemptAt: Date.now(), errors };
  }

  function reloadFromDisk(source: string): void {
    if (runtime.shuttingDown) return;
    const next = readConfigSnapshot(paths.configPath, env);
    runtime.reload.lastAttemptAt = Date.now();
    if (!next.valid) {
      markReloadFailed(next.issues.map(formatIssueLine));
      log.error(
        `config change not applied (${source}): the new config is invalid; still running on the last good config`,
        { errors: runtime.reload.errors },
      );
      return;
    }
    if (next.hash === runtime.snapshot.hash && runtime.reload.status !== "failed") return;
    let nextSettings: GatewaySettings;
    try {
      nextSettings = resolveGatewaySettings({ flags: options.flags, env, config: next.config, paths });
      if (nextSettings.auth.mode === "token" && !nextSettings.auth.token)
        throw new Error("gateway.auth.token was removed; set one, or restart to generate a new one");
      if (nextSettings.auth.mode === "password" && !nextSettings.auth.password)
        throw new Error("gateway.auth.mode is password but no password is set");
    } catch (error) {
      markReloadFailed([(error as Error).message]);
      log.error(`config change not applied (${source}): ${(error as Error).message}`);
      return;
    }
    const mode: ReloadMode = next.config.gateway?.reload?.mode ?? "hybrid";
    const action =
      source === "file"
        ? planReload(mode, runtime.settings, nextSettings)
        : planReload(mode === "off" ? "hybrid" : mode, runtime.settings, nextSettings);
    if (action === "none") {
      runtime.reload = { ...runtime.reload, status: "off", pendingRestart: true };
      log.info("config changed on disk; gateway.reload.mode is off, so restart the gateway to apply it");
      return;
    }
    if (action === "restart") {
      runtime.metrics.inc("openclaw_config_reloads_total", { outcome: "restarted" });
      void restart(`config change (${source})`);
      return;
    }
    runtime.metrics.inc("openclaw_config_reloads_total", { outcome: "applied" });
    const secretsChanged = authChanged(runtime.settings, nextSettings);
    const listenerPending = action === "restart-needed";
    runtime.snapshot = next;
    runtime.settings = listenerPending
      ? {
          ...nextSettings,
          port: runtime.settings.port,
          bind: runtime.settings.bind,
          customBind: runtime.settings.customBind,
        }
      : nextSettings;
    runtime.auth = nextSettings.auth;
    for (const secret of [nextSettings.auth.token, nextSettings.auth.password]) if (secret) log.addSecret(secret);
    runtime.reload = {
      status: "ok",
      lastAttemptAt: Date.now(),
      lastAppliedAt: Date.now(),
      pendingRestart: listenerPending,
    };
    log.info(
      `config applied live (${source})${listenerPending ? "; port/bind changes wait for a restart (gateway.reload.mode hot)" : ""}`,
    );
    if (secretsChanged) server.closeSharedAuthClients();
    void runtime.channels.applyConfig(next.config);
  }

  const stopWatching = watchConfigFile(paths.configPath, snapshot.config.gateway?.reload?.debounceMs ?? 300, () =>
    reloadFromDisk("file"),
  );

  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  let stopping = false;
  async function shutdown(reason: string, code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    runtime.shuttingDown = true;
    runtime.ready = false;
    clearTimeout(pendingRestart);
    stopWatching();
    log.info(`stopping (${reason}); draining requests in flight for up to ${limits.drainTimeoutMs} ms`);
    // Channels first: no new inbound message starts a turn while the rest drains.
    await runtime.channels.stop(Math.min(3000, limits.drainTimeoutMs));
    // No Chromium outlives the gateway (one left by a killed gateway is stopped at the next start).
    await runtime.browser.stop();
    if (browserControl) {
      browserControl.server.closeAllConnections();
      browserControl.server.close();
    }
    runtime.agents.abortAll();
    await server.stop("gateway stopping");
    if (exposed !== "off" && runtime.settings.tailscale.resetOnExit) {
      await resetTailscale(runtime.tailscale, exposed);
      log.info(`tailscale ${exposed} reset (gateway.tailscale.resetOnExit)`);
    }
    lock.release();
    log.info("stopped");
    log.close();
    resolveExit(code);
  }

  let signalCount = 0;
  const onTerm = () => {
    if (++signalCount > 1) {
      log.warn("second stop signal: exiting now");
      lock.release();
      resolveExit(1);
      return;
    }
    void shutdown("signal", 0);
  };
  const onUsr1 = () => void restart("SIGUSR1");
  options.signals.on("SIGTERM", onTerm);
  options.signals.on("SIGINT", onTerm);
  options.signals.on("SIGUSR1", onUsr1);
  const code = await exited;
  options.signals.off("SIGTERM", onTerm);
  options.signals.off("SIGINT", onTerm);
  options.signals.off("SIGUSR1", onUsr1);
  return code;
}

function announceReady(runtime: GatewayRuntime, what: string): void {
  const ms = Math.round(performance.now());
  const scheme = runtime.settings.tls ? "wss" : "ws";
  const urls = runtime.listening.map((a) => `${scheme}://${a}`).join(", ");
  runtime.log.info(
    `${what}: listening on ${urls} (bind ${runtime.settings.bind}, auth ${runtime.auth.mode}, pid ${runtime.pid})`,
    {
      readyMs: what === "ready" ? ms : undefined,
    },
  );
  if (what === "ready") runtime.log.info(`ready in ${ms} ms from process start`);
}

function toStartError(error: unknown, paths: StatePaths): Error {
  if (error instanceof ConfigError || error instanceof GatewayStartError) return error;
  if (error instanceof GatewaySettingsError)
    return new GatewayStartError(error.message, error.source === "flag" ? 2 : 78, error.fix);
  if (error instanceof StateLockedError) {
    const held = readLock(paths.stateDir);
    return new GatewayStartError(
      `${error.message}.`,
      1,
      `Stop it first (kill ${error.holder.pid}, or openclaw gateway stop when it runs as a service), restart it with openclaw gateway --force, or use another profile (--profile <name>).${held ? ` Lock: ${error.file}` : ""}`,
    );
  }
  if (error instanceof ListenError) {
    if (error.code === "TLS_FILE")
      return new GatewayStartError(
        error.message,
        78,
        "Check gateway.tls.certPath and gateway.tls.keyPath: both files must exist and be readable by the gateway's user.",
      );
    if (error.code === "EADDRINUSE") {
      const diagnosis = diagnosePort(error.port);
      return new GatewayStartError(diagnosis.lines[0]!, 1, diagnosis.lines.slice(1).join("\n"));
    }
    if (error.code === "EADDRNOTAVAIL") {
      return new GatewayStartError(
        `${error.message}: that address is not on this host`,
        78,
        "Check gateway.customBind / the bind mode: openclaw config get gateway",
      );
    }
    if (error.code === "EACCES") {
      return new GatewayStartError(
        `${error.message}: ports below 1024 need privileges`,
        78,
        "Use a port above 1024: openclaw config set gateway.port 18789",
      );
    }
  }
  return error as Error;
}
