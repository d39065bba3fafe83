/** What every part of the running gateway shares: settings, the applied config, clients, status. @module */
import type { BindTarget } from "../config/bind.js";
import type { GatewaySettings } from "../config/gateway-settings.js";
import type { ConfigSnapshot } from "../config/load.js";
import type { Env, StatePaths } from "../config/paths.js";
import type { Logger } from "../logging/logger.js";
import type { ActiveAuth } from "./auth.js";
import type { ClientRegistry } from "./clients.js";
import type { GatewayLimits } from "./limits.js";
import type { AuthRateLimiter } from "./rate-limit.js";

export interface ReloadStatus {
  /** `ok`: the file on disk is what runs; `failed`: the last change did not validate and was not applied. */
  status: "ok" | "failed" | "off";
  lastAttemptAt?: number;
  lastAppliedAt?: number;
  errors?: string[];
  pendingRestart?: boolean;
}

export interface GatewayRuntime {
  readonly version: string;
  readonly startedAt: number;
  readonly pid: number;
  readonly paths: StatePaths;
  readonly env: Env;
  readonly log: Logger;
  readonly limits: GatewayLimits;
  readonly rateLimiter: AuthRateLimiter;
  readonly clients: ClientRegistry;
  /** The `tailscale` command (Serve/Funnel at start and exit, whois for Serve identities). */
  readonly tailscale: import("./tailscale.js").TailscaleCli;
  /** The config that is applied (the last valid one). */
  snapshot: ConfigSnapshot;
  settings: GatewaySettings;
  bind: BindTarget;
  auth: ActiveAuth;
  /** Addresses actually listening, as host:port. */
  listening: string[];
  ready: boolean;
  shuttingDown: boolean;
  reload: ReloadStatus;
  /** Agent runs. */
  agents: import("./agent-runs.js").AgentRuns;
  /** Paired devices and pairing requests (the Control UI, apps). */
  readonly devices: import("./devices.js").DeviceStore;
  /** Live capability URLs of the canvas host. */
  readonly canvasCapabilities: import("./canvas.js").CanvasCapabilities;
  /** The agent's browser (started on first use). */
  readonly browser: import("../browser/client.js").BrowserClient;
  /** Counters and histograms for `GET /metrics`. */
  readonly metrics: import("./metrics.js").MetricsRecorder;
  /** Chat channels (started after the gateway is ready). */
  channels: import("../channels/manager.js").ChannelManager;
  /** Asks for an in-process restart (re-read config, rebind) after the current request is answered. */
  requestRestart(reason: string, delayMs?: number): void;
  /** Re-reads the config file now and applies it (as the file watcher would). */
  reloadNow(source: string): void;
  /** The log file the gateway writes now. */
  currentLogFile(): string;
  /** Sliding-window budget for config writes per client address; returns ms to wait, or 0. */
  takeConfigWriteBudget(address: string): number;
}
