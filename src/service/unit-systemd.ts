/** systemd unit text: rendered from a spec, and parsed back (what is installed?). Pure. @module */
import { programArguments, type ServiceSpec } from "./spec.js";

export class UnitValueError extends Error {
  override name = "UnitValueError";
}

/** Quotes one ExecStart argument the way systemd splits them. */
function quoteArg(arg: string): string {
  if (/[\r\n]/.test(arg)) throw new UnitValueError(`a service argument contains a line break: ${JSON.stringify(arg)}`);
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `"${arg.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function envLine(key: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new UnitValueError(`${key} contains a line break`);
  const pair = `${key}=${value}`;
  return /[\s"\\]/.test(pair)
    ? `Environment="${pair.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`
    : `Environment=${pair}`;
}

export function renderSystemdUnit(spec: ServiceSpec, options: { system: boolean }): string {
  const lines = [
    "[Unit]",
    `Description=OpenClaw Gateway (profile: ${spec.profile}, v${spec.version})`,
    "After=network-online.target",
    "Wants=network-online.target",
    // At most 5 starts in 2 minutes: a broken install stops instead of spinning.
    "StartLimitIntervalSec=120",
    "StartLimitBurst=5",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${programArguments(spec).map(quoteArg).join(" ")}`,
    "Restart=always",
    "RestartSec=5",
    // Exit 78 is a configuration error: restarting cannot fix it.
    "RestartPreventExitStatus=78",
    "SuccessExitStatus=0 143",
    "TimeoutStopSec=30",
    "KillMode=control-group",
    `WorkingDirectory=${spec.workingDirectory}`,
    ...(options.system && spec.user ? [`User=${spec.user}`] : []),
    ...(options.system && spec.group ? [`Group=${spec.group}`] : []),
    ...Object.entries(spec.environment).map(([k, v]) => envLine(k, v)),
    "",
    "[Install]",
    `WantedBy=${options.system ? "multi-user.target" : "default.target"}`,
    "",
  ];
  return lines.join("\n");
}

/** Splits an ExecStart value into arguments (double quotes and backslash escapes). */
export function splitExecStart(value: string): string[] {
  const out: string[] = [];
  let current = "";
  let quoted = false;
  let any = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === "\\" && i + 1 < value.length) {
      current += value[++i];
      any = true;
    } else if (ch === '"') {
      quoted = !quoted;
      any = true;
    } else if (/\s/.test(ch) && !quoted) {
      if (any) out.push(current);
      current = "";
      any = false;
    } else {
      current += ch;
      any = true;
    }
  }
  if (any) out.push(current);
  return out;
}

export interface ParsedUnit {
  readonly execStart: string[];
  readonly environment: Record<string, string>;
  readonly user?: string;
  readonly workingDirectory?: string;
  readonly description?: string;
}

export function parseSystemdUnit(text: string): ParsedUnit {
  const environment: Record<string, string> = {};
  let execStart: string[] = [];
  let user: string | undefined;
  let workingDirectory: string | undefined;
  let description: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const eq = line.indexOf("=");
    if (eq < 0 || line.startsWith("#") || line.startsWith(";")) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === "ExecStart") execStart = splitExecStart(value);
    else if (key === "User") user = value;
    else if (key === "WorkingDirectory") workingDirectory = value;
    else if (key === "Description") description = value;
    else if (key === "Environment") {
      for (const pair of splitExecStart(value)) {
        const at = pair.indexOf("=");
        if (at > 0) environment[pair.slice(0, at)] = pair.slice(at + 1);
      }
    }
  }
  return {
    execStart,
    environment,
    ...(user ? { user } : {}),
    ...(workingDirectory ? { workingDirectory } : {}),
    ...(description ? { description } : {}),
  };
}
