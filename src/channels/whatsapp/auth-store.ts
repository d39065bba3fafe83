/**
 * Baileys' multi-file auth state, in its file layout (`creds.json` and one `<type>-<id>.json` per signal
 * key, in `credentials/whatsapp/<accountId>/`, directory 0700, files 0600), written so that a kill -9
 * never leaves a torn file: every write is a temp file renamed over the old one, `creds.json` is fsynced
 * and its previous version kept as `creds.json.bak`, which is read when `creds.json` cannot be.
 * @module
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { atomicWriteFile, ensurePrivateDir } from "../../files/fs-safe.js";

/** What the store needs from Baileys (passed in: the library is loaded only when WhatsApp runs). */
export interface BaileysAuthLib {
  initAuthCreds(): Record<string, unknown>;
  readonly BufferJSON: {
    replacer: (key: string, value: unknown) => unknown;
    reviver: (key: string, value: unknown) => unknown;
  };
  /** `proto.Message.AppStateSyncKeyData.fromObject`. */
  appStateSyncKey(value: unknown): unknown;
}

const fileName = (name: string) => name.replace(/\//g, "__").replace(/:/g, "-");

/** Whether `dir` holds a linked device's credentials (`creds.json` naming the account). */
export function isLinked(dir: string): boolean {
  for (const name of ["creds.json", "creds.json.bak"]) {
    try {
      const creds = JSON.parse(readFileSync(join(dir, name), "utf8")) as { me?: { id?: string } };
      if (creds.me?.id) return true;
    } catch {
      // missing or torn: try the backup
    }
  }
  return false;
}

/** Deletes the credentials (logout, or a forced new login); returns whether there were any. */
export function clearAuthDir(dir: string): boolean {
  if (!existsSync(dir)) return false;
  let cleared = false;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!name.endsWith(".json") && !name.endsWith(".json.bak") && !name.endsWith(".tmp")) continue;
    if (!statSync(path).isFile()) continue;
    unlinkSync(path);
    cleared = true;
  }
  return cleared;
}

export function openAuthState(dir: string, lib: BaileysAuthLib) {
  ensurePrivateDir(dir);
  const read = (name: string): unknown => {
    try {
      return JSON.parse(readFileSync(join(dir, fileName(name)), "utf8"), lib.BufferJSON.reviver);
    } catch {
      return undefined;
    }
  };
  // Keys change often (pre-keys, sessions): atomic, not fsynced, so the event loop is not held up by disk.
  const write = (name: string, value: unknown, durable = false) =>
    atomicWriteFile(join(dir, fileName(name)), JSON.stringify(value, lib.BufferJSON.replacer), 0o600, durable);
  const creds = (read("creds.json") ?? read("creds.json.bak") ?? lib.initAuthCreds()) as Record<string, unknown>;
  return {
    state: {
      creds,
      keys: {
        get: async (type: string, ids: string[]) => {
          const out: Record<string, unknown> = {};
          for (const id of ids) {
            const value = read(`${type}-${id}.json`);
            out[id] = type === "app-state-sync-key" && value ? lib.appStateSyncKey(value) : value;
          }
          return out;
        },
        set: async (data: Record<string, Record<string, unknown>>) => {
          for (const [type, entries] of Object.entries(data))
            for (const [id, value] of Object.entries(entries ?? {})) {
              if (value) write(`${type}-${id}.json`, value);
              else rmSync(join(dir, fileName(`${type}-${id}.json`)), { force: true });
            }
        },
      },
    },
    /** The previous creds become the backup, then the new ones replace them (both atomic, fsynced). */
    saveCreds: () => {
      const current = join(dir, "creds.json");
      if (existsSync(current)) {
        const previous = readFileSync(current);
        try {
          JSON.parse(previous.toString("utf8"));
          atomicWriteFile(join(dir, "creds.json.bak"), previous, 0o600, true);
        } catch {
          // a torn file (from before this store) is not worth keeping as the backup
        }
      }
      write("creds.json", creds, true);
    },
  };
}
