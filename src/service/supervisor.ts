/**
 * openclaw's own supervisor (`openclaw gateway supervise`): runs the gateway described in
 * `<state>/service.json`, restarts it with backoff when it dies, never after exit 78, records its state
 * in `<state>/supervisor.json`, and appends the gateway's output to `logs/gateway.log` and
 * `logs/gateway.err.log` (each capped, the previous part kept as `.1`).
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { atomicWriteFile, ensurePrivateDir } from "../files/fs-safe.js";
import { acquireStateLock } from "../config/state-lock.js";
import { definitionPath, supervisorStatePath, type DetachedDefinition, type SupervisorState } from "./detached.js";

export const MAX_OUTPUT_LOG_BYTES = 10 * 1024 * 1024;
export const MAX_BACKOFF_MS = 30_000;
/** A gateway that ran this long is considered healthy: the backoff starts over. */
export const HEALTHY_RUN_MS = 60_000;
export const STOP_GRACE_MS = 30_000;

function openLog(path: string): number {
  try {
    if (statSync(path).size > MAX_OUTPUT_LOG_BYTES) renameSync(path, `${path}.1`);
  } catch {
    // no log yet
  }
  return openSync(path, "a", 0o600);
}

export async function runSupervisor(stateDir: string, signals: NodeJS.Process = process): Promise<number> {
  const definition = JSON.parse(readFileSync(definitionPath(stateDir), "utf8")) as DetachedDefinition;
  const lock = acquireStateLock(stateDir, { configPath: definitionPath(stateDir) }, "supervisor");
  ensurePrivateDir(definition.logsDir);
  const startedAt = new Date().toISOString();
  let state: SupervisorState = { supervisorPid: process.pid, state: "starting", startedAt, restarts: 0 };
  const save = (patch: Partial<SupervisorState>) => {
    state = { ...state, ...patch };
    atomicWriteFile(supervisorStatePath(stateDir), `${JSON.stringify(state, null, 2)}\n`);
  };
  save({});

  let child: ChildProcess | undefined;
  // Set by the signal handler, read by the loop.
  const flags = { stopping: false };
  let wake: (() => void) | undefined;
  const onStop = () => {
    flags.stopping = true;
    wake?.();
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      setTimeout(() => child?.kill("SIGKILL"), STOP_GRACE_MS).unref();
    }
  };
  signals.on("SIGTERM", onStop);
  signals.on("SIGINT", onStop);
  signals.on("SIGHUP", () => undefined); // survive the terminal closing

  let consecutive = 0;
  while (!flags.stopping) {
    const out = openLog(join(definition.logsDir, "gateway.log"));
    const err = openLog(join(definition.logsDir, "gateway.err.log"));
    const [command, ...args] = definition.programArguments;
    const runStarted = Date.now();
    child = spawn(command!, args, {
      cwd: definition.workingDirectory,
      env: definition.environment,
      stdio: ["ignore", out, err],
    });
    closeSync(out);
    closeSync(err);
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      child!.once("error", (error) => resolve({ code: 127, signal: `spawn failed: ${error.message}` }));
      child!.once("exit", (code, signal) => resolve({ code, signal }));
      if (child!.pid) save({ state: "running", gatewayPid: child!.pid, gatewayStartedAt: new Date().toISOString() });
    });
    const lastExit = { ...exit, at: new Date().toISOString() };
    if (flags.stopping) {
      save({ state: "stopped", lastExit, gatewayPid: undefined });
      break;
    }
    if (exit.code === 78) {
      // A configuration error: restarting cannot fix it. `gateway status` shows the error.
      save({ state: "config-error", lastExit, gatewayPid: undefined });
      break;
    }
    if (Date.now() - runStarted > HEALTHY_RUN_MS) consecutive = 0;
    consecutive++;
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (consecutive - 1));
    save({
      state: "backoff",
      lastExit,
      gatewayPid: undefined,
      restarts: state.restarts + 1,
      nextStartAt: new Date(Date.now() + delay).toISOString(),
    });
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, delay);
    });
    wake = undefined;
    if (flags.stopping) save({ state: "stopped" });
  }
  lock.release();
  return 0;
}
