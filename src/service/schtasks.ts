/** Windows backend: a scheduled task that runs `<state>\gateway.cmd` at logon. @module */
import { existsSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { InstalledDefinition, ServiceBackend, ServiceStatus } from "./backend.js";
import { runOrThrow, type CommandRunner } from "./runner.js";
import { serviceNames, type ServiceSpec } from "./spec.js";
import { parseTaskScript, renderTaskScript, schtasksCreateArgs } from "./task-schtasks.js";

export function createSchtasksBackend(options: {
  profile: string;
  stateDir: string;
  runner: CommandRunner;
  logsDir: string;
  env: Readonly<Record<string, string | undefined>>;
}): ServiceBackend {
  const label = options.env.OPENCLAW_WINDOWS_TASK_NAME ?? serviceNames(options.profile).schtasks;
  const definitionPath = join(options.stateDir, "gateway.cmd");
  const hint = `Inspect it: schtasks /Query /TN "${label}" /V /FO LIST`;
  return {
    kind: "schtasks",
    label,
    definitionPath,
    logsHint: `${join(options.logsDir, "gateway.log")} and ${join(options.logsDir, "gateway.err.log")}`,
    render: (spec: ServiceSpec) => renderTaskScript(spec),
    async readInstalled(): Promise<InstalledDefinition | undefined> {
      if (!existsSync(definitionPath)) return undefined;
      const text = readFileSync(definitionPath, "utf8");
      return { text, ...parseTaskScript(text) };
    },
    async install(spec) {
      writeFileSync(definitionPath, renderTaskScript(spec), { mode: 0o600 });
      await runOrThrow(options.runner, "schtasks", schtasksCreateArgs(label, definitionPath), hint);
    },
    async uninstall() {
      await options.runner("schtasks", ["/End", "/TN", label]);
      await options.runner("schtasks", ["/Delete", "/TN", label, "/F"]);
      if (existsSync(definitionPath)) unlinkSync(definitionPath);
    },
    async start() {
      await runOrThrow(options.runner, "schtasks", ["/Run", "/TN", label], hint);
    },
    async stop() {
      await runOrThrow(options.runner, "schtasks", ["/End", "/TN", label], hint);
    },
    async restart() {
      await options.runner("schtasks", ["/End", "/TN", label]);
      await runOrThrow(options.runner, "schtasks", ["/Run", "/TN", label], hint);
    },
    async status(): Promise<ServiceStatus> {
      const installed = existsSync(definitionPath);
      const result = await options.runner("schtasks", ["/Query", "/TN", label, "/FO", "LIST", "/V"]);
      if (result.code !== 0)
        return { installed: false, runtime: "not installed", detail: result.stderr.trim().split("\n")[0] };
      const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "mi").exec(result.stdout)?.[1]?.trim();
      const status = field("Status");
      const last = field("Last Result");
      const runtime =
        status === "Running"
          ? "running"
          : status === "Disabled"
            ? "stopped"
            : last && last !== "0" && last !== "267011"
              ? "exited"
              : "stopped";
      return {
        installed,
        runtime,
        lastExitCode: last && /^-?\d+$/.test(last) ? Number(last) : undefined,
        detail: status ? `status ${status}` : undefined,
        enabled: status !== "Disabled",
      };
    },
  };
}
