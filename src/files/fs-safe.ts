/**
 * File-system primitives for state that must never be half-written or readable by others:
 * private directories, atomic replacement, and mode checks.
 * @module
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  chmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
export const SECRET_FILE_MODE = 0o600;

/** Creates a directory (and its parents) with mode 0700 when missing; an existing one is left as it is. */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Why this process cannot create files in `dir` (creating it if missing), or undefined when it can. The
 * usual cause is a volume or directory owned by another user (a Docker volume created by root).
 */
export function writeProblem(dir: string): { code: string; ownerUid: number | undefined } | undefined {
  try {
    ensurePrivateDir(dir);
    const probe = join(dir, `.write-check-${process.pid}`);
    closeSync(openSync(probe, "wx", SECRET_FILE_MODE));
    unlinkSync(probe);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (!["EACCES", "EPERM", "EROFS"].includes(code)) throw error;
    let ownerUid: number | undefined;
    try {
      ownerUid = statSync(dir).uid;
    } catch {
      // the directory itself could not be made
    }
    return { code, ownerUid };
  }
}

/** The permission bits of a path, or null when it does not exist. */
export function modeOf(path: string): number | null {
  try {
    return statSync(path).mode & 0o777;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** True when group or others have any access. */
export function isOpenToOthers(mode: number): boolean {
  return (mode & 0o077) !== 0;
}

export function formatMode(mode: number): string {
  return `0${mode.toString(8).padStart(3, "0")}`;
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === "ENOENT";
}

/**
 * Replaces `path` with `data` so that a reader sees either the old or the new content, never a mix:
 * write a temporary file in the same directory, fsync it, rename it over the target, fsync the directory.
 * `durable: false` leaves out both fsyncs: still atomic against a killed process, but a power cut may bring
 * back the previous content; for data that is cheap to lose (counters, timestamps) and written often.
 */
export function atomicWriteFile(
  path: string,
  data: string | Uint8Array,
  mode = SECRET_FILE_MODE,
  durable = true,
): void {
  const dir = dirname(path);
  ensurePrivateDir(dir);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(tmp, "wx", mode);
  try {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    if (durable) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(tmp);
    throw error;
  }
  closeSync(fd);
  try {
    // openSync's mode is filtered by the umask; the target's mode must not be.
    chmodSync(tmp, mode);
    renameSync(tmp, path);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw error;
  }
  if (durable) fsyncDir(dir);
}

/** The writer's pid in an atomic write's temporary name (`.<base>[.bak.<n>].<pid>.<hex>.tmp`). */
function writerPid(name: string, prefix: string): number | undefined {
  const match = /^(?:bak\.\d+\.)?(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length));
  return match ? Number(match[1]) : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes temporary files that earlier atomic writes of `path` (and of its `.bak.<n>` files) left behind
 * when they were killed: at once when their writer is dead, otherwise once older than `olderThanMs` (a
 * live pid may be a recycled one, or a writer still at work).
 */
export function removeStaleTempFiles(path: string, olderThanMs: number, now: number): string[] {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const full = join(dir, name);
    const pid = writerPid(name, prefix);
    try {
      const deadWriter = pid !== undefined && pid !== process.pid && !isAlive(pid);
      if (!deadWriter && now - statSync(full).mtimeMs < olderThanMs) continue;
      unlinkSync(full);
      removed.push(full);
    } catch {
      // raced with another writer's cleanup
    }
  }
  return removed;
}

/**
 * Keeps `count` previous versions of a file as `<path>.bak.1` (newest) … `.bak.<count>`. `previous` (the
 * text being replaced) becomes `.bak.1` through an atomic write, so a killed process never leaves a partial
 * backup; a `previous` that `usable` rejects (empty, unparseable) is not made a backup at all, and a
 * backup already in the ring that it rejects is dropped rather than moved along. Returns the new `.bak.1`.
 */
export function rotateBackups(
  path: string,
  previous: string,
  count: number,
  usable: (text: string) => boolean,
  mode = SECRET_FILE_MODE,
): string | null {
  if (!usable(previous)) return null;
  for (let n = count; n >= 2; n--) {
    const from = `${path}.bak.${n - 1}`;
    let text: string;
    try {
      text = readFileSync(from, "utf8");
    } catch (error) {
      if (isNotFound(error)) continue;
      throw error;
    }
    if (!usable(text)) {
      unlinkSync(from);
      continue;
    }
    renameSync(from, `${path}.bak.${n}`);
    chmodSync(`${path}.bak.${n}`, mode); // a backup holds the same secrets as the file
  }
  const first = `${path}.bak.1`;
  atomicWriteFile(first, previous, mode);
  return first;
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
