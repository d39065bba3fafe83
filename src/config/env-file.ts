/** Loading of `.env` files into an environment map, never overriding what is already set. @module */
import { readFileSync, statSync } from "node:fs";
import { parseEnv } from "node:util";
import { isNotFound } from "../files/fs-safe.js";

export const MAX_ENV_FILE_BYTES = 1024 * 1024;

export interface EnvFileResult {
  readonly file: string;
  readonly loaded: boolean;
  /** Names set from this file (values are never reported). */
  readonly applied: readonly string[];
  readonly error?: string;
}

/** Reads each file in order and sets the variables it defines that `env` does not have yet. */
export function loadEnvFiles(files: readonly string[], env: Record<string, string | undefined>): EnvFileResult[] {
  return files.map((file) => {
    let text: string;
    try {
      if (statSync(file).size > MAX_ENV_FILE_BYTES) {
        return {
          file,
          loaded: false,
          applied: [],
          error: `${file} is larger than ${MAX_ENV_FILE_BYTES} bytes; it was not loaded`,
        };
      }
      text = readFileSync(file, "utf8");
    } catch (error) {
      if (isNotFound(error)) return { file, loaded: false, applied: [] };
      return { file, loaded: false, applied: [], error: `Cannot read ${file}: ${(error as Error).message}` };
    }
    const applied: string[] = [];
    for (const [key, value] of Object.entries(parseEnv(text))) {
      if (env[key] !== undefined) continue;
      env[key] = value;
      applied.push(key);
    }
    return { file, loaded: true, applied };
  });
}
