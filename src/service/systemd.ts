/** systemd backends: a user unit (default on Linux) and a system unit (`--system`, for servers). @module */
import { existsSync, readFileSync, unlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { InstalledDefinition, ServiceBackend, ServiceStatus } from "./backend.js";
import { ServiceError, type CommandRunner } from "./runner.js";
import { serviceNames, type ServiceSpec } from "./spec.js";
import { parseSystemdUnit, renderSystemdUnit } from "./unit-systemd.js";

const BUS_TROUBLE =
  /Failed to connect to bus|No medium found|XDG_RUNTIME_DIR|DBUS_SESSION_BUS_ADDRESS|Failed to get D-Bus connection/i;

export interface SystemdOptions {
  readonly system: boolean;
  readonly profile: string;
  readonly runner: CommandRunner;
  /** `~/.config/systemd/user` or `/etc/systemd/system` (overridable for image builds). */
  readonly unitDir: string;
}

export function systemdUnitDir(
  system: boolean,
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): string {
  if (system) return env.OPENCLAW_SYSTEMD_SYSTEM_DIR ?? "/etc/systemd/system";
  return join(env.XDG_CONFIG_HOME ?? join(home, ".config"), "systemd", "user");
}

export function createSystemdBackend(options: SystemdOptions): ServiceBackend {
  const unit = serviceNames(options.profile).systemd;
  const scope = options.system ? [] : ["--user"];
  const definitionPath = join(options.unitDir, unit);
  const hint = options.system
    ? "System units need root: sudo openclaw gateway install --system. Check the unit with: systemctl status " + unit
    : "Run this in the user's own login session (not via sudo or su), or use OPENCLAW_SERVICE_BACKEND=detached where systemd user services are unavailable.";

  const systemctl = async (...args: string[]) => {
    const result = await options.runner("systemctl", [...scope, ...args]);
    if (result.missing)
      throw new ServiceError(
        "systemctl is not installed on this machine",
        "Use OPENCLAW_SERVICE_BACKEND=detached to run the gateway under openclaw's own supervisor.",
      );
    if (result.code !== 0 && BUS_TROUBLE.test(result.stderr)) {
      throw new ServiceError(`systemd user services unavailable: ${result.stderr.trim().split("\n")[0]}`, hint);
    }
    if (
      result.code !== 0 &&
      /access denied|permission denied|interactive authentication required/i.test(result.stderr)
    ) {
      throw new ServiceError(
        `systemctl ${[...scope, ...args].join(" ")}: permission denied`,
        options.system ? "Run it as root: sudo openclaw gateway …" : hint,
      );
    }
    return result;
  };
  const must = async (...args: string[]) => {
    const result = await systemctl(...args);
    if (result.code !== 0) {
      throw new ServiceError(
        `systemctl ${[...scope, ...args].join(" ")} failed: ${(result.stderr || result.stdout).trim().split("\n").slice(-2).join(" ")}`,
        `Inspect it: systemctl ${scope.join(" ")} status ${unit}; journalctl ${scope.join(" ")} -u ${unit} -n 50`.replace(
          /  +/g,
          " ",
        ),
      );
    }
    return result;
  };

  return {
    kind: options.system ? "systemd-system" : "systemd-user",
    label: unit,
    definitionPath,
    logsHint: `journalctl ${options.system ? "" : "--user "}-u ${unit} -n 200 --no-pager (and openclaw logs)`,
    render: (spec: ServiceSpec) => renderSystemdUnit(spec, { system: options.system }),
    async readInstalled(): Promise<InstalledDefinition | undefined> {
      if (!existsSync(definitionPath)) return undefined;
      const text = readFileSync(definitionPath, "utf8");
      return { text, ...parseSystemdUnit(text) };
    },
    async install(spec) {
      if (options.system && process.getuid?.() !== 0 && !process.env.OPENCLAW_SYSTEMD_SYSTEM_DIR) {
        throw new ServiceError("installing a system unit needs root", "Run: sudo openclaw gateway install --system");
      }
      const text = renderSystemdUnit(spec, { system: options.system });
      // Find out that systemd cannot be reached before leaving a unit file behind.
      if (!options.system) await systemctl("show-environment");
      const previous = existsSync(definitionPath) ? readFileSync(definitionPath, "utf8") : undefined;
      mkdirSync(options.unitDir, { recursive: true });
      // Units are not secret (they hold no token); 0644 lets systemd and the user read them.
      writeFileSync(definitionPath, text, { mode: 0o644 });
      try {
        await must("daemon-reload");
        await must("enable", unit);
      } catch (error) {
        if (previous === undefined) unlinkSync(definitionPath);
        else writeFileSync(definitionPath, previous, { mode: 0o644 });
        throw error;
      }
    },
    async uninstall() {
      await systemctl("disable", "--now", unit);
      if (existsSync(definitionPath)) unlinkSync(definitionPath);
      await systemctl("daemon-reload");
      await systemctl("reset-failed", unit);
    },
    async start() {
      await must("start", unit);
    },
    async stop() {
      await must("stop", unit);
    },
    async restart() {
      await must("restart", unit);
    },
    async status(): Promise<ServiceStatus> {
      const installed = existsSync(definitionPath);
      const result = await systemctl(
        "show",
        unit,
        "--no-pager",
        "--property=LoadState,ActiveState,SubState,MainPID,ExecMainStatus,NRestarts,ActiveEnterTimestamp,UnitFileState",
      );
      if (result.code !== 0) return { installed, runtime: "unknown", detail: result.stderr.trim().split("\n")[0] };
      const props = Object.fromEntries(
        result.stdout
          .split("\n")
          .filter((l) => l.includes("="))
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1).trim()]),
      );
      if (props.LoadState === "not-found" || (!installed && props.LoadState !== "loaded"))
        return { installed: false, runtime: "not installed" };
      const pid = Number(props.MainPID) || undefined;
      const exit =
        props.ExecMainStatus !== undefined && props.ExecMainStatus !== "" ? Number(props.ExecMainStatus) : undefined;
      const runtime =
        props.ActiveState === "active" && props.SubState === "running"
          ? "running"
          : props.ActiveState === "activating"
            ? props.SubState === "auto-restart"
              ? "restarting"
              : "loaded"
            : props.ActiveState === "failed"
              ? "failed"
              : exit !== undefined && exit !== 0 && props.ActiveState === "inactive"
                ? "exited"
                : "stopped";
      return {
        installed: true,
        runtime,
        pid,
        lastExitCode: exit,
        restarts: props.NRestarts !== undefined ? Number(props.NRestarts) : undefined,
        since: props.ActiveEnterTimestamp || undefined,
        detail: `state ${props.ActiveState}, sub ${props.SubState}`,
        enabled: props.UnitFileState === "enabled",
      };
    },
  };
}

/** Whether `systemctl --user` can reach a user manager here. */
export async function systemdUserAvailable(runner: CommandRunner): Promise<{ ok: boolean; reason: string }> {
  const result = await runner("systemctl", ["--user", "show-environment"], { timeoutMs: 5000 });
  if (result.missing) return { ok: false, reason: "systemctl is not installed" };
  if (result.code !== 0)
    return {
      ok: false,
      reason: `systemd user services unavailable (${(result.stderr.trim().split("\n")[0] ?? "").slice(0, 160)})`,
    };
  return { ok: true, reason: "the systemd user manager answers" };
}
