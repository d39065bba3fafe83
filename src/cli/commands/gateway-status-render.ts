/** `gateway status`: the report's data, the `--deep` scan, and the pure text renderer. @module */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findPortListeners, type PortListener } from "../../gateway/port-owner.js";
import type { LastError } from "../../logging/last-error.js";
import type { BackendKind, ServiceStatus } from "../../service/backend.js";
import { parseLaunchdPlist } from "../../service/plist-launchd.js";
import type { ServiceWorld } from "../../service/select.js";
import { systemdUnitDir } from "../../service/systemd.js";
import { parseSystemdUnit } from "../../service/unit-systemd.js";
import type { CliContext } from "../command.js";
import type { ProbeResult } from "../gateway-rpc.js";

export interface ServiceConfigView {
  readonly profile: string;
  readonly configPath: string;
  readonly stateDir: string;
  readonly port: number;
  readonly bind: string;
  readonly valid: boolean;
  readonly version?: string | undefined;
}

export interface DeepScan {
  readonly services: { label: string; scope: string; path: string; port?: number; profile?: string }[];
  readonly listeners: { port: number; role: string; listeners: PortListener[] }[];
  readonly clashes: string[];
}

export interface GatewayStatusReport {
  readonly service: ServiceStatus & { backend: BackendKind; label: string; definitionPath: string; logsHint: string };
  readonly probe?: ProbeResult | undefined;
  readonly target?: string | undefined;
  readonly authLabel: string;
  readonly cli: ServiceConfigView;
  readonly serviceConfig?: ServiceConfigView | undefined;
  readonly lastError?: LastError | undefined;
  readonly linger?: string | undefined;
  readonly deep?: DeepScan | undefined;
  /** The CLI's credential differs from the one the service uses: the probe is skipped, not tried and failed. */
  readonly authMismatch?: { message: string; fix: string; readiness: string } | undefined;
}

const BACKEND_NAMES: Record<BackendKind, string> = {
  "systemd-user": "systemd user unit",
  "systemd-system": "systemd system unit",
  launchd: "LaunchAgent",
  schtasks: "Scheduled Task",
  detached: "detached",
};

function describeConfig(view: ServiceConfigView): string {
  return `profile=${view.profile}, port=${view.port}, bind=${view.bind}${view.valid ? "" : " (config invalid)"}`;
}

/** Why a running service might not answer, read from its last error. */
export function likelyCause(lastError: string | undefined): string | undefined {
  if (!lastError) return undefined;
  if (/refusing to bind/i.test(lastError))
    return "auth is missing for a non-loopback bind: set a token (openclaw config set gateway.auth.mode token) or bind to loopback";
  if (/already in use|EADDRINUSE/i.test(lastError))
    return "the port is taken by another program: openclaw gateway status --deep shows who listens";
  if (/tailscale/i.test(lastError))
    return "Tailscale is down or has no address: sudo tailscale up, then openclaw gateway restart";
  if (/Invalid config|Unknown key|JSON5/i.test(lastError)) return "the config is invalid: openclaw config validate";
  if (/already running for this state directory/i.test(lastError))
    return "another gateway holds this profile's state directory";
  return undefined;
}

/** The text report, in the seed's layout. Pure. */
export function renderGatewayStatus(report: GatewayStatusReport, uptime: (seconds: number) => string): string[] {
  const { service, probe, cli, serviceConfig } = report;
  const status = probe?.status;
  const runtimeDetail = [
    service.pid ? `pid ${service.pid}` : undefined,
    service.detail,
    service.lastExitCode !== undefined && service.runtime !== "running"
      ? `last exit ${service.lastExitCode}`
      : undefined,
    service.restarts ? `restarts ${service.restarts}` : undefined,
  ].filter(Boolean);
  const lines = [
    "Gateway Status",
    "--------------",
    `Service:     ${service.installed ? `${BACKEND_NAMES[service.backend]} ${service.label}${service.enabled === false ? " (disabled)" : ""}` : "not installed (openclaw gateway install)"}`,
    `Runtime:     ${service.runtime}${runtimeDetail.length ? ` (${runtimeDetail.join(", ")})` : ""}`,
    `RPC probe:   ${
      report.authMismatch
        ? `skipped: the CLI's credential differs from the service's (a try would count as a failed login); /readyz: ${report.authMismatch.readiness}`
        : !probe
          ? "skipped"
          : probe.ok
            ? `ok (${probe.latencyMs}ms)`
            : `failed: ${probe.error?.message ?? "no answer"}`
    }`,
  ];
  if (probe?.ok) {
    lines.push(`Version:     ${probe.version ?? "unknown"}`);
    if (status) lines.push(`Uptime:      ${uptime(Math.floor(status.uptimeMs / 1000))}`);
    if (status?.gateway.pid ?? service.pid) lines.push(`PID:         ${status?.gateway.pid ?? service.pid}`);
  }
  const port = status?.gateway.port ?? cli.port;
  const bind = status?.gateway.bind ?? cli.bind;
  lines.push(
    `Port:        ${port}`,
    `Bind:        ${bind}${status ? ` (${status.gateway.listening.join(", ")})` : ""}`,
    `Auth:        ${report.authLabel}`,
    `Config path: ${cli.configPath}`,
    `Probe target: ${report.target ?? "unknown"}`,
    `Config (cli):     ${describeConfig(cli)}`,
    `Config (service): ${serviceConfig ? describeConfig(serviceConfig) : "(no service installed)"}`,
    `Last gateway error: ${report.lastError ? report.lastError.message : "(none)"}`,
  );
  if (service.installed) lines.push(`Logs:        ${service.logsHint}`);
  const warnings: string[] = [];
  if (report.authMismatch) warnings.push(`Auth ${report.authMismatch.message}. ${report.authMismatch.fix}`);
  else if (probe?.error && (probe.error.kind === "auth" || probe.error.kind === "locked-out"))
    warnings.push(`${probe.error.message}. ${probe.error.hint}`);
  if (
    serviceConfig &&
    (serviceConfig.port !== cli.port || serviceConfig.bind !== cli.bind || serviceConfig.configPath !== cli.configPath)
  ) {
    warnings.push(
      "The CLI and the service resolve different settings. Fix: openclaw gateway install --force, then openclaw gateway restart",
    );
  }
  if (service.runtime === "running" && probe && !probe.ok) {
    const cause = likelyCause(report.lastError?.message);
    warnings.push(
      `The service runs but does not answer${cause ? `: most likely ${cause}` : "; see the last error and the logs above"}`,
    );
  }
  if ((service.runtime === "exited" || service.runtime === "failed") && service.lastExitCode === 78)
    warnings.push(
      "The gateway exited with a configuration error (78) and is not restarted: fix the config, then openclaw gateway start",
    );
  if (service.restarts && service.restarts >= 3 && service.runtime !== "running")
    warnings.push(`The gateway keeps crashing (${service.restarts} restarts); see the last error`);
  if (report.linger === "off")
    warnings.push("Linger is off: the gateway stops when you log out. Fix: sudo loginctl enable-linger $USER");
  if (status?.config.reload.status === "failed")
    warnings.push(
      `The gateway runs on its last good config: the file's current version does not validate (${(status.config.reload.errors ?? []).join("; ")})`,
    );
  if (report.deep) {
    lines.push("", "Gateway services on this machine:");
    for (const s of report.deep.services)
      lines.push(
        `- ${s.label} (${s.scope}${s.profile ? `, profile ${s.profile}` : ""}${s.port ? `, port ${s.port}` : ""}) ${s.path}`,
      );
    if (report.deep.services.length === 0) lines.push("- (none)");
    lines.push("Listeners:");
    for (const l of report.deep.listeners) {
      lines.push(
        `- ${l.port} (${l.role}): ${l.listeners.length ? l.listeners.map((x) => `pid ${x.pid ?? "?"} ${x.commandLine ?? ""} (${x.address})`).join("; ") : "free"}`,
      );
    }
    for (const clash of report.deep.clashes) warnings.push(clash);
  }
  if (warnings.length) lines.push("", ...warnings.map((w) => `Warning: ${w}`));
  lines.push("Troubleshooting: docs/troubleshooting-service.md");
  return lines;
}

function portFromArgs(args: string[]): number | undefined {
  const i = args.indexOf("--port");
  return i >= 0 ? Number(args[i + 1]) || undefined : undefined;
}

/** Every gateway service on this machine (all profiles, user and system), listeners, and port clashes. */
export async function collectDeep(ctx: CliContext, world: ServiceWorld, port: number): Promise<DeepScan> {
  const services: DeepScan["services"] = [];
  for (const [scope, dir] of [
    ["user", systemdUnitDir(false, ctx.env, ctx.homedir)],
    ["system", systemdUnitDir(true, ctx.env, ctx.homedir)],
  ] as const) {
    for (const name of safeList(dir).filter((n) => /^openclaw-gateway(-[\w-]+)?\.service$/.test(n))) {
      const unit = parseSystemdUnit(readFileSync(join(dir, name), "utf8"));
      services.push({
        label: name,
        scope: `systemd ${scope}`,
        path: join(dir, name),
        port: portFromArgs(unit.execStart),
        profile: unit.environment.OPENCLAW_PROFILE ?? "default",
      });
    }
  }
  const agents = join(world.home, "Library", "LaunchAgents");
  for (const name of safeList(agents).filter((n) => /^bot\.molt\.[\w-]+\.plist$/.test(n))) {
    const plist = parseLaunchdPlist(readFileSync(join(agents, name), "utf8"));
    services.push({
      label: name.replace(/\.plist$/, ""),
      scope: "launchd",
      path: join(agents, name),
      port: portFromArgs(plist.execStart),
      profile: plist.environment.OPENCLAW_PROFILE ?? "default",
    });
  }
  for (const name of safeList(ctx.homedir).filter((n) => n === ".openclaw" || n.startsWith(".openclaw-"))) {
    const file = join(ctx.homedir, name, "service.json");
    if (!existsSync(file)) continue;
    try {
      const definition = JSON.parse(readFileSync(file, "utf8")) as {
        programArguments: string[];
        environment: Record<string, string>;
      };
      services.push({
        label: "openclaw supervisor",
        scope: "detached",
        path: file,
        port: portFromArgs(definition.programArguments),
        profile: definition.environment.OPENCLAW_PROFILE ?? "default",
      });
    } catch {
      services.push({ label: "openclaw supervisor", scope: "detached (unreadable definition)", path: file });
    }
  }
  const listeners = [
    { port, role: "gateway" },
    { port: port + 2, role: "browser control (port+2)" },
    { port: port + 4, role: "canvas host (port+4)" },
  ].map((p) => ({ ...p, listeners: findPortListeners(p.port) }));
  const byPort = new Map<number, string[]>();
  for (const s of services)
    if (s.port) byPort.set(s.port, [...(byPort.get(s.port) ?? []), `${s.label} (${s.profile ?? "?"})`]);
  const clashes = [...byPort.entries()]
    .filter(([, who]) => who.length > 1)
    .map(([p, who]) => `port ${p} is configured for more than one gateway service: ${who.join(", ")}`);
  return { services, listeners, clashes };
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
