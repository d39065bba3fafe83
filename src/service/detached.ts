/**
 * The fallback backend where no system supervisor is usable (containers, WSL without systemd, minimal
 * hosts): `<state>/service.json` describes the gateway, and openclaw's own supervisor process
 * (`openclaw gateway supervise`, detached from the terminal) runs and restarts it.
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { atomicWriteFile } from "../files/fs-safe.js";
import { isProcessAlive } from "../config/state-lock.js";
import type { InstalledDefinition, ServiceBackend, ServiceStatus } from "./backend.js";
import { ServiceError } from "./runner.js";
import { programArguments, type ServiceSpec } from "./spec.js";

export interface DetachedDefinition {
  readonly kind: "detached";
  readonly description: string;
  readonly programArguments: string[];
  readonly environment: Record<string, string>;
  readonly workingDirectory: string;
  readonly logsDir: string;
}

export interface SupervisorState {
  readonly supervisorPid: number;
  readonly state: "starting" | "running" | "backoff" | "config-error" | "stopped";
  readonly gatewayPid?: number;
  readonly startedAt: string;
  readonly gatewayStartedAt?: string;
  readonly restarts: number;
  readonly lastExit?: { code: number | null; signal: string | null; at: string };
  readonly nextStartAt?: string;
}

export function definitionPath(stateDir: string): string {
  return join(stateDir, "service.json");
}

export function supervisorStatePath(stateDir: string): string {
  return join(stateDir, "supervisor.json");
}

export function renderDetachedDefinition(spec: ServiceSpec): string {
  const definition: DetachedDefinition = {
    kind: "detached",
    description: `OpenClaw Gateway (profile: ${spec.profile}, v${spec.version})`,
    programArguments: programArguments(spec),
    environment: { ...spec.environment },
    workingDirectory: spec.workingDirectory,
    logsDir: spec.logsDir,
  };
  return `${JSON.stringify(definition, null, 2)}\n`;
}

export function readSupervisorState(stateDir: string): SupervisorState | undefined {
  try {
    return JSON.parse(readFileSync(supervisorStatePath(stateDir), "utf8")) as SupervisorState;
  } catch {
    return undefined;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

export function createDetachedBackend(options: { stateDir: string; logsDir: string }): ServiceBackend {
  const path = definitionPath(options.stateDir);
  const supervisorAlive = () => {
    const state = readSupervisorState(options.stateDir);
    return (
      state !== undefined &&
      state.state !== "stopped" &&
      state.state !== "config-error" &&
      isProcessAlive(state.supervisorPid)
    );
  };
  const read = (): DetachedDefinition | undefined => {
    try {
      return JSON.parse(readFileSync(path, "utf8")) as DetachedDefinition;
    } catch {
      return undefined;
    }
  };

  const backend: ServiceBackend = {
    kind: "detached",
    label: "openclaw supervisor",
    definitionPath: path,
    logsHint: `${join(options.logsDir, "gateway.log")} and ${join(options.logsDir, "gateway.err.log")}`,
    render: renderDetachedDefinition,
    async readInstalled(): Promise<InstalledDefinition | undefined> {
      const definition = read();
      if (!definition) return undefined;
      return {
        text: readFileSync(path, "utf8"),
        execStart: definition.programArguments,
        environment: definition.environment,
      };
    },
    async install(spec) {
      atomicWriteFile(path, renderDetachedDefinition(spec));
    },
    async uninstall() {
      await backend.stop();
      for (const file of [path, supervisorStatePath(options.stateDir)]) if (existsSync(file)) unlinkSync(file);
    },
    async start() {
      if (supervisorAlive()) return;
      const definition = read();
      if (!definition)
        throw new ServiceError(`no service definition at ${path}`, "Install it first: openclaw gateway install");
      // The supervisor is the same program, up to its command: node [flags] entry, then `gateway supervise`.
      const args = definition.programArguments;
      const command = args.indexOf("gateway");
      const child = spawn(args[0]!, [...args.slice(1, command), "gateway", "supervise"], {
        detached: true,
        stdio: "ignore",
        cwd: definition.workingDirectory,
        env: definition.environment,
      });
      const started = Date.now();
      child.unref();
      const ok = await waitUntil(() => {
        const state = readSupervisorState(options.stateDir);
        return (
          state !== undefined &&
          state.supervisorPid === child.pid &&
          Date.parse(state.startedAt) >= started - 1000 &&
          state.state !== "starting"
        );
      }, 10_000);
      if (!ok)
        throw new ServiceError(
          "the supervisor did not start within 10 s",
          `Look at ${join(options.logsDir, "gateway.err.log")}`,
        );
    },
    async stop() {
      const state = readSupervisorState(options.stateDir);
      if (!state) return;
      if (isProcessAlive(state.supervisorPid) && state.state !== "stopped") {
        process.kill(state.supervisorPid, "SIGTERM");
        if (!(await waitUntil(() => !isProcessAlive(state.supervisorPid), 40_000)))
          process.kill(state.supervisorPid, "SIGKILL");
      }
      // A gateway left behind by a supervisor that was killed outright.
      if (state.gatewayPid && isProcessAlive(state.gatewayPid)) {
        process.kill(state.gatewayPid, "SIGTERM");
        await waitUntil(() => !isProcessAlive(state.gatewayPid!), 35_000);
      }
    },
    async restart() {
      await backend.stop();
      await backend.start();
    },
    async status(): Promise<ServiceStatus> {
      const installed = existsSync(path);
      const state = readSupervisorState(options.stateDir);
      if (!installed) return { installed: false, runtime: "not installed" };
      if (!state) return { installed, runtime: "stopped", detail: "never started" };
      const alive = isProcessAlive(state.supervisorPid);
      const gatewayAlive = state.gatewayPid !== undefined && isProcessAlive(state.gatewayPid);
      const runtime =
        alive && state.state === "running" && gatewayAlive
          ? "running"
          : alive && state.state === "backoff"
            ? "restarting"
            : state.state === "config-error"
              ? "exited"
              : alive
                ? "loaded"
                : "stopped";
      return {
        installed,
        runtime,
        pid: gatewayAlive ? state.gatewayPid : undefined,
        lastExitCode: state.lastExit?.code ?? undefined,
        restarts: state.restarts,
        since: state.gatewayStartedAt,
        detail: `supervisor ${alive ? `pid ${state.supervisorPid}` : "not running"}, state ${state.state}`,
        enabled: true,
      };
    },
  };
  return backend;
}
