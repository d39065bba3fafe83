/** launchd backend (macOS): a LaunchAgent in ~/Library/LaunchAgents, driven with launchctl. @module */
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { InstalledDefinition, ServiceBackend, ServiceStatus } from "./backend.js";
import { parseLaunchdPlist, renderLaunchdPlist } from "./plist-launchd.js";
import { runOrThrow, ServiceError, type CommandRunner } from "./runner.js";
import { serviceNames, type ServiceSpec } from "./spec.js";

export function createLaunchdBackend(options: {
  profile: string;
  home: string;
  uid: number;
  runner: CommandRunner;
  logsDir: string;
}): ServiceBackend {
  const label = serviceNames(options.profile).launchd;
  const definitionPath = join(options.home, "Library", "LaunchAgents", `${label}.plist`);
  const domain = `gui/${options.uid}`;
  const target = `${domain}/${label}`;
  const hint = `Inspect it: launchctl print ${target}`;
  const loaded = async () => (await options.runner("launchctl", ["print", target])).code === 0;
  const bootstrap = async () => {
    const result = await options.runner("launchctl", ["bootstrap", domain, definitionPath]);
    // 37 / "already loaded" / "service already bootstrapped" mean it is there already.
    if (result.code !== 0 && !/already/i.test(result.stderr + result.stdout)) {
      if (result.missing)
        throw new ServiceError(
          "launchctl is not available",
          "launchd backends run on macOS only; use OPENCLAW_SERVICE_BACKEND=detached elsewhere.",
        );
      throw new ServiceError(
        `launchctl bootstrap ${domain} ${definitionPath} failed: ${(result.stderr || result.stdout).trim()}`,
        hint,
      );
    }
  };
  return {
    kind: "launchd",
    label,
    definitionPath,
    logsHint: `${join(options.logsDir, "gateway.log")} and ${join(options.logsDir, "gateway.err.log")}`,
    render: (spec: ServiceSpec) => renderLaunchdPlist(spec, label),
    async readInstalled(): Promise<InstalledDefinition | undefined> {
      if (!existsSync(definitionPath)) return undefined;
      const text = readFileSync(definitionPath, "utf8");
      return { text, ...parseLaunchdPlist(text) };
    },
    async install(spec) {
      mkdirSync(join(options.home, "Library", "LaunchAgents"), { recursive: true });
      mkdirSync(spec.logsDir, { recursive: true, mode: 0o700 });
      if (await loaded()) await options.runner("launchctl", ["bootout", target]);
      writeFileSync(definitionPath, renderLaunchdPlist(spec, label), { mode: 0o644 });
    },
    async uninstall() {
      if (await loaded()) await options.runner("launchctl", ["bootout", target]);
      if (existsSync(definitionPath)) unlinkSync(definitionPath);
    },
    async start() {
      if (!(await loaded())) await bootstrap();
      await runOrThrow(options.runner, "launchctl", ["kickstart", target], hint);
    },
    async stop() {
      if (await loaded()) await runOrThrow(options.runner, "launchctl", ["bootout", target], hint);
    },
    async restart() {
      if (!(await loaded())) await bootstrap();
      await runOrThrow(options.runner, "launchctl", ["kickstart", "-k", target], hint);
    },
    async status(): Promise<ServiceStatus> {
      const installed = existsSync(definitionPath);
      const result = await options.runner("launchctl", ["print", target]);
      if (result.code !== 0)
        return installed
          ? { installed, runtime: "stopped", detail: "not loaded" }
          : { installed: false, runtime: "not installed" };
      const state = /^\s*state = (\S+)/m.exec(result.stdout)?.[1];
      const pid = Number(/^\s*pid = (\d+)/m.exec(result.stdout)?.[1]) || undefined;
      const exit = /last exit code = (-?\d+)/.exec(result.stdout)?.[1];
      const runtime = state === "running" ? "running" : exit !== undefined && exit !== "0" ? "exited" : "loaded";
      return {
        installed,
        runtime,
        pid,
        lastExitCode: exit === undefined ? undefined : Number(exit),
        detail: state ? `state ${state}` : undefined,
        enabled: true,
      };
    },
  };
}
