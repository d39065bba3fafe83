/**
 * The one write path of the config: keep five backups, replace the file atomically (mode 0600),
 * and append one audit line per change. A killed write leaves the old file or the new one, never a
 * partial or empty one, and no partial backup; temporary files of killed writers go at the next write.
 * @module
 */
import { appendFileSync, renameSync, statSync, unlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  atomicWriteFile,
  ensurePrivateDir,
  isNotFound,
  removeStaleTempFiles,
  rotateBackups,
  SECRET_FILE_MODE,
} from "../files/fs-safe.js";
import { parseJson5 } from "./includes.js";
import { hashConfig } from "./load.js";

export const BACKUP_COUNT = 5;
export const MAX_AUDIT_BYTES = 4 * 1024 * 1024;

export interface ConfigWrite {
  readonly configPath: string;
  readonly text: string;
  /** The file's text before this write, or null when it did not exist. */
  readonly previousRaw: string | null;
  /** What asked for the write, for the audit log (`config set`, `gateway`, …). */
  readonly command: string;
  /** Dot paths of the keys that changed; never their values. */
  readonly changedPaths: readonly string[];
  readonly logsDir: string;
  readonly now: Date;
}

export interface ConfigWriteResult {
  readonly hashBefore: string | null;
  readonly hashAfter: string;
  readonly backup: string | null;
}

/** Writes the config with backups and an audit line. */
export function writeConfigFile(write: ConfigWrite): ConfigWriteResult {
  const { configPath } = write;
  ensurePrivateDir(dirname(configPath));
  removeStaleTempFiles(configPath, 60_000, write.now.getTime());
  const backup =
    write.previousRaw === null ? null : rotateBackups(configPath, write.previousRaw, BACKUP_COUNT, isUsableBackup);
  atomicWriteFile(configPath, write.text, SECRET_FILE_MODE);
  const result = {
    hashBefore: write.previousRaw === null ? null : hashConfig(write.previousRaw),
    hashAfter: hashConfig(write.text),
    backup,
  };
  appendAudit(write, result);
  return result;
}

/** `openclaw.json.bak.<n>`: 1 is the newest. */
export function backupPath(configPath: string, n: number): string {
  return `${configPath}.bak.${n}`;
}

/** A backup worth keeping: a JSON5 document with something in it (an empty or torn file restores nothing). */
export function isUsableBackup(text: string): boolean {
  return text.trim() !== "" && parseJson5(text).issue === undefined;
}

function appendAudit(write: ConfigWrite, result: ConfigWriteResult): void {
  const path = join(write.logsDir, "config-audit.jsonl");
  ensurePrivateDir(write.logsDir);
  try {
    if (statSync(path).size > MAX_AUDIT_BYTES) {
      try {
        unlinkSync(`${path}.1`);
      } catch {
        // no older audit file
      }
      renameSync(path, `${path}.1`);
    }
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const line = {
    time: write.now.toISOString(),
    event: "config.write",
    command: write.command,
    configPath: write.configPath,
    paths: write.changedPaths,
    hashBefore: result.hashBefore,
    hashAfter: result.hashAfter,
    bytesBefore: write.previousRaw === null ? 0 : Buffer.byteLength(write.previousRaw),
    bytesAfter: Buffer.byteLength(write.text),
    pid: process.pid,
  };
  appendFileSync(path, `${JSON.stringify(line)}\n`, { mode: SECRET_FILE_MODE });
}
