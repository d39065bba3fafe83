/** Explains a port that is already taken: who holds it, and what to do. @module */
import { readFileSync } from "node:fs";
import { findPortListeners, isGatewayCommandLine, type PortListener } from "./port-owner.js";

export interface PortDiagnosis {
  readonly listeners: PortListener[];
  readonly ownGateway: boolean;
  readonly lines: string[];
}

function gatewayProfileOf(pid: number, commandLine: string | undefined): string | undefined {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    const stateDir = environ.find((e) => e.startsWith("OPENCLAW_STATE_DIR="))?.slice(19);
    const profile = environ.find((e) => e.startsWith("OPENCLAW_PROFILE="))?.slice(17);
    if (stateDir) return `state dir ${stateDir}`;
    if (profile) return `profile ${profile}`;
  } catch {
    // another user's process
  }
  const flag = /--profile[= ](\S+)/.exec(commandLine ?? "")?.[1];
  if (flag) return `profile ${flag}`;
  if (/--dev\b/.test(commandLine ?? "")) return "profile dev";
  return undefined;
}

export function diagnosePort(port: number): PortDiagnosis {
  const listeners = findPortListeners(port);
  const lines = [`Port ${port} is already in use.`];
  let ownGateway = false;
  for (const listener of listeners) {
    const who = listener.pid !== undefined ? `pid ${listener.pid}` : "a process of another user";
    lines.push(`- ${who}: ${listener.commandLine ?? "(command line not visible)"} (${listener.address})`);
  }
  const gateway = listeners.find((l) => isGatewayCommandLine(l.commandLine));
  if (gateway?.pid !== undefined) {
    ownGateway = true;
    const profile = gatewayProfileOf(gateway.pid, gateway.commandLine);
    lines.push(
      `That is an openclaw gateway${profile ? ` (${profile})` : ""}: another profile, or one started outside this state directory.`,
    );
    lines.push(
      `Fix: stop it (kill ${gateway.pid}, or openclaw --profile <name> gateway stop), or use another port: openclaw gateway --port ${port + 1}`,
    );
  } else if (listeners.length > 0) {
    lines.push("Another program is listening on this port.");
    lines.push(
      `Fix: stop that program, or use another port: openclaw gateway --port ${port + 1} (or openclaw config set gateway.port ${port + 1})`,
    );
  } else {
    lines.push("The owner is not visible to this user (another user's process, or a container's).");
    lines.push(
      `Fix: find it with sudo ss -ltnp 'sport = :${port}', or use another port: openclaw gateway --port ${port + 1}`,
    );
  }
  return { listeners, ownGateway, lines };
}
