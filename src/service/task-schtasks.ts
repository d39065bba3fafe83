/** The Windows scheduled task's `gateway.cmd` script: rendered from a spec and parsed back. Pure. @module */
import { programArguments, type ServiceSpec } from "./spec.js";

function quoteCmd(arg: string): string {
  if (/[\r\n"%]/.test(arg)) throw new Error(`cannot put ${JSON.stringify(arg)} in a cmd script`);
  return /[\s&|<>^()]/.test(arg) ? `"${arg}"` : arg;
}

/** CRLF line endings, as cmd.exe expects. */
export function renderTaskScript(spec: ServiceSpec): string {
  const lines = [
    "@echo off",
    `rem OpenClaw Gateway (profile: ${spec.profile}, v${spec.version})`,
    ...Object.entries(spec.environment)
      .filter(([k]) => k !== "PATH" && k !== "HOME")
      .map(([k, v]) => `set "${k}=${v}"`),
    `cd /d ${quoteCmd(spec.workingDirectory)}`,
    `${programArguments(spec).map(quoteCmd).join(" ")} >> ${quoteCmd(`${spec.logsDir}\\gateway.log`)} 2>> ${quoteCmd(`${spec.logsDir}\\gateway.err.log`)}`,
    "",
  ];
  return lines.join("\r\n");
}

export function parseTaskScript(text: string): { execStart: string[]; environment: Record<string, string> } {
  const environment: Record<string, string> = {};
  let execStart: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const set = /^set "([^=]+)=(.*)"$/.exec(line);
    if (set) environment[set[1]!] = set[2]!;
    else if (/\bgateway\b/.test(line) && !line.startsWith("rem")) {
      const command = line.split(" >> ")[0]!;
      execStart = [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
    }
  }
  return { execStart, environment };
}

/** The schtasks arguments that register the task to run the script at logon. */
export function schtasksCreateArgs(taskName: string, scriptPath: string): string[] {
  return ["/Create", "/F", "/TN", taskName, "/TR", `"${scriptPath}"`, "/SC", "ONLOGON", "/RL", "LIMITED"];
}
