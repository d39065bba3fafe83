/**
 * Which backend manages this profile's gateway: the one it is already installed with, else the
 * platform's (launchd, scheduled task, systemd user unit), else the detached supervisor; `--system` and
 * `OPENCLAW_SERVICE_BACKEND` choose explicitly. The choice comes with its reason, for `install` to say.
 * @module
 */
import { existsSync } from "node:fs";
import type { StatePaths } from "../config/paths.js";
import type { BackendKind, ServiceBackend } from "./backend.js";
import { createDetachedBackend } from "./detached.js";
import { createLaunchdBackend } from "./launchd.js";
import { ServiceError, type CommandRunner } from "./runner.js";
import { createSchtasksBackend } from "./schtasks.js";
import { createSystemdBackend, systemdUnitDir, systemdUserAvailable } from "./systemd.js";

export interface ServiceWorld {
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string;
  readonly uid: number;
  readonly runner: CommandRunner;
}

const KINDS: Record<string, BackendKind> = {
  systemd: "systemd-user",
  "systemd-user": "systemd-user",
  "systemd-system": "systemd-system",
  launchd: "launchd",
  schtasks: "schtasks",
  detached: "detached",
};

export function createBackend(kind: BackendKind, paths: StatePaths, world: ServiceWorld): ServiceBackend {
  switch (kind) {
    case "systemd-user":
    case "systemd-system": {
      const system = kind === "systemd-system";
      return createSystemdBackend({
        system,
        profile: paths.profile,
        runner: world.runner,
        unitDir: systemdUnitDir(system, world.env, world.home),
      });
    }
    case "launchd":
      return createLaunchdBackend({
        profile: paths.profile,
        home: world.home,
        uid: world.uid,
        runner: world.runner,
        logsDir: paths.logsDir,
      });
    case "schtasks":
      return createSchtasksBackend({
        profile: paths.profile,
        stateDir: paths.stateDir,
        runner: world.runner,
        logsDir: paths.logsDir,
        env: world.env,
      });
    case "detached":
      return createDetachedBackend({ stateDir: paths.stateDir, logsDir: paths.logsDir });
  }
}

function candidates(world: ServiceWorld): BackendKind[] {
  if (world.platform === "darwin") return ["launchd", "detached"];
  if (world.platform === "win32") return ["schtasks", "detached"];
  return ["systemd-user", "systemd-system", "detached"];
}

export async function selectBackend(
  paths: StatePaths,
  world: ServiceWorld,
  options: { system?: boolean } = {},
): Promise<{ backend: ServiceBackend; reason: string }> {
  const forced = world.env.OPENCLAW_SERVICE_BACKEND?.trim();
  if (forced) {
    const kind = KINDS[forced];
    if (!kind)
      throw new ServiceError(
        `Unknown OPENCLAW_SERVICE_BACKEND ${JSON.stringify(forced)}`,
        `Use one of: ${Object.keys(KINDS).join(", ")}`,
      );
    return { backend: createBackend(kind, paths, world), reason: `OPENCLAW_SERVICE_BACKEND=${forced}` };
  }
  if (options.system) {
    if (world.platform !== "linux")
      throw new ServiceError(
        "--system is for Linux systemd hosts",
        "Leave it out: the platform's own per-user service is used.",
      );
    return { backend: createBackend("systemd-system", paths, world), reason: "--system: a systemd system unit" };
  }
  // An existing install wins, so status/stop/uninstall find what install made.
  for (const kind of candidates(world)) {
    const backend = createBackend(kind, paths, world);
    if (existsSync(backend.definitionPath))
      return { backend, reason: `already installed as ${backend.label} (${backend.definitionPath})` };
  }
  if (world.platform === "darwin")
    return { backend: createBackend("launchd", paths, world), reason: "macOS: a LaunchAgent" };
  if (world.platform === "win32")
    return { backend: createBackend("schtasks", paths, world), reason: "Windows: a scheduled task at logon" };
  const user = await systemdUserAvailable(world.runner);
  if (user.ok)
    return {
      backend: createBackend("systemd-user", paths, world),
      reason: `Linux: a systemd user unit (${user.reason})`,
    };
  return {
    backend: createBackend("detached", paths, world),
    reason: `openclaw's own supervisor, because ${user.reason}`,
  };
}
