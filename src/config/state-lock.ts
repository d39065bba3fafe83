/**
 * One owner per state directory: `<stateDir>/<name>.lock` holds the owner's pid (the gateway uses
 * `gateway.lock`, the detached supervisor `supervisor.lock`). A lock whose owner is gone (or whose pid
 * now belongs to another process) is taken over.
 * @module
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ensurePrivateDir } from "../files/fs-safe.js";

export interface LockInfo {
  readonly pid: number;
  readonly createdAt: string;
  readonly configPath: string;
  readonly port?: number;
  /** Kernel start time of the process (Linux), to tell a reused pid from the owner. */
  readonly startTime?: string;
}

export class StateLockedError extends Error {
  override name = "StateLockedError";
  constructor(
    readonly holder: LockInfo,
    readonly file: string,
    readonly what = "gateway",
  ) {
    super(
      `another ${what} is already running for this state directory (pid ${holder.pid}${holder.port ? `, port ${holder.port}` : ""}, since ${holder.createdAt})`,
    );
  }
}

export function lockPath(stateDir: string, name = "gateway"): string {
  return join(stateDir, `${name}.lock`);
}

/** The start time of a process from /proc (Linux), or undefined elsewhere. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22 counted after the command name, which is in parentheses and may contain spaces.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Reads the lock and says whether its owner still runs. */
export function readLock(stateDir: string, name = "gateway"): { info: LockInfo; alive: boolean } | undefined {
  let info: LockInfo;
  try {
    info = JSON.parse(readFileSync(lockPath(stateDir, name), "utf8")) as LockInfo;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(info.pid) || info.pid <= 0) return { info, alive: false };
  const alive =
    isProcessAlive(info.pid) &&
    (info.startTime === undefined ||
      processStartTime(info.pid) === undefined ||
      processStartTime(info.pid) === info.startTime);
  return { info, alive };
}

export interface HeldLock {
  readonly path: string;
  /** Takes over a stale lock's place: rewrites the lock with new details (port after a restart). */
  update(patch: Partial<LockInfo>): void;
  release(): void;
}

/** Creates the lock, taking over a stale one; throws StateLockedError when a live gateway holds it. */
export function acquireStateLock(
  stateDir: string,
  details: { configPath: string; port?: number },
  name = "gateway",
): HeldLock {
  ensurePrivateDir(stateDir);
  const path = lockPath(stateDir, name);
  let info: LockInfo = {
    pid: process.pid,
    createdAt: new Date().toISOString(),
    configPath: details.configPath,
    ...(details.port !== undefined ? { port: details.port } : {}),
    ...(processStartTime(process.pid) ? { startTime: processStartTime(process.pid)! } : {}),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      let released = false;
      return {
        path,
        update(patch) {
          info = { ...info, ...patch };
          const fd2 = openSync(path, "w", 0o600);
          writeSync(fd2, JSON.stringify(info));
          closeSync(fd2);
        },
        release() {
          if (released) return;
          released = true;
          const current = readLock(stateDir, name);
          if (current?.info.pid === process.pid) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const held = readLock(stateDir, name);
      if (held?.alive && held.info.pid !== process.pid) throw new StateLockedError(held.info, path, name);
      try {
        unlinkSync(path); // stale: its owner is gone
      } catch {
        // another starter removed it first; try again
      }
    }
  }
  const held = readLock(stateDir, name);
  throw new StateLockedError(
    held?.info ?? { pid: 0, createdAt: "unknown", configPath: details.configPath },
    path,
    name,
  );
}
