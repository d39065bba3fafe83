/**
 * `$include` of other JSON5 files and `${VAR}` substitution, applied to a parsed config document.
 * Problems become issues (with the file and line); nothing here throws for bad input.
 * @module
 */
import { readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import JSON5 from "json5";
import type { ConfigIssue } from "./issues.js";
import type { Env } from "./paths.js";
import { isPlainObject } from "./upstream-keys.js";

export const MAX_CONFIG_BYTES = 2 * 1024 * 1024;
export const MAX_INCLUDE_DEPTH = 10;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export interface ParsedText {
  value?: unknown;
  issue?: ConfigIssue;
}

/** Parses JSON5 text; a syntax error becomes an issue naming the line and column. */
export function parseJson5(text: string, file?: string): ParsedText {
  if (text.trim() === "") {
    return {
      issue: {
        code: "parse",
        path: "",
        message: "The file is empty (expected a JSON5 object such as {})",
        ...(file ? { file } : {}),
      },
    };
  }
  try {
    return { value: JSON5.parse(text) };
  } catch (error) {
    const e = error as SyntaxError & { lineNumber?: number; columnNumber?: number };
    const message = String(e.message)
      .replace(/^JSON5: /, "")
      .replace(/ at \d+:\d+$/, "");
    return {
      issue: {
        code: "parse",
        path: "",
        message: `JSON5 syntax error: ${message}`,
        ...(file ? { file } : {}),
        ...(e.lineNumber !== undefined ? { line: e.lineNumber } : {}),
        ...(e.columnNumber !== undefined ? { column: e.columnNumber } : {}),
      },
    };
  }
}

/** Reads a file that must stay under the size limit. */
export function readBoundedText(path: string): string {
  const size = statSync(path).size;
  if (size > MAX_CONFIG_BYTES) {
    throw new RangeError(`${path} is ${size} bytes; config files are limited to ${MAX_CONFIG_BYTES} bytes`);
  }
  return readFileSync(path, "utf8");
}

export interface IncludeResult {
  value: unknown;
  /** Included files in the order they were read, with their text (for the config hash). */
  files: { path: string; text: string }[];
}

/** Replaces every `$include` in `doc` with the merged content of the files it names. */
export function resolveIncludes(doc: unknown, configPath: string, issues: ConfigIssue[]): IncludeResult {
  const root = dirname(configPath);
  const files: { path: string; text: string }[] = [];
  let rootReal = root;
  try {
    rootReal = realpathSync(root);
  } catch {
    // the config dir may not exist yet when validating an in-memory document
  }

  const expand = (value: unknown, dir: string, stack: string[], keyPath: string): unknown => {
    if (Array.isArray(value)) return value.map((item, i) => expand(item, dir, stack, `${keyPath}[${i}]`));
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    let merged: Record<string, unknown> = {};
    const spec = value.$include;
    if (spec !== undefined) {
      const at = keyPath ? `${keyPath}.$include` : "$include";
      const specs =
        typeof spec === "string"
          ? [spec]
          : Array.isArray(spec) && spec.every((s) => typeof s === "string")
            ? (spec as string[])
            : null;
      if (!specs) {
        issues.push({ code: "include", path: at, message: "Expected a file path or a list of file paths" });
      } else {
        for (const item of specs) {
          const included = loadInclude(item, dir, stack, at);
          if (included !== undefined) merged = deepMerge(merged, included);
        }
      }
    }
    for (const [key, child] of Object.entries(value)) {
      if (key === "$include") continue;
      out[key] = expand(child, dir, stack, keyPath ? `${keyPath}.${key}` : key);
    }
    return deepMerge(merged, out);
  };

  const loadInclude = (spec: string, dir: string, stack: string[], at: string): Record<string, unknown> | undefined => {
    const target = isAbsolute(spec) ? spec : resolve(dir, spec);
    let real: string;
    try {
      real = realpathSync(target);
    } catch {
      issues.push({ code: "include", path: at, message: `Included file ${target} does not exist` });
      return undefined;
    }
    const rel = relative(rootReal, real);
    if (rel.startsWith("..") || isAbsolute(rel)) {
      issues.push({
        code: "include",
        path: at,
        message: `Included file ${real} is outside the config directory ${rootReal}; move it there`,
      });
      return undefined;
    }
    if (stack.includes(real)) {
      issues.push({ code: "include", path: at, message: `Include cycle: ${[...stack, real].join(" -> ")}` });
      return undefined;
    }
    if (stack.length >= MAX_INCLUDE_DEPTH) {
      issues.push({
        code: "include",
        path: at,
        message: `Includes nest deeper than ${MAX_INCLUDE_DEPTH} files at ${real}`,
      });
      return undefined;
    }
    let text: string;
    try {
      text = readBoundedText(real);
    } catch (error) {
      issues.push({ code: "include", path: at, message: `Cannot read included file: ${(error as Error).message}` });
      return undefined;
    }
    files.push({ path: real, text });
    const parsed = parseJson5(text, real);
    if (parsed.issue) {
      issues.push(parsed.issue);
      return undefined;
    }
    if (!isPlainObject(parsed.value)) {
      issues.push({ code: "include", path: at, message: `Included file ${real} must hold an object` });
      return undefined;
    }
    return expand(parsed.value, dirname(real), [...stack, real], "") as Record<string, unknown>;
  };

  let start: string[] = [];
  try {
    start = [realpathSync(configPath)];
  } catch {
    start = [resolve(configPath)];
  }
  return { value: expand(doc, root, start, ""), files };
}

/** Objects merge key by key; anything else (arrays included) is replaced by the later value. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

/**
 * Replaces `${VAR}` in every string with the variable's value (`$${VAR}` stays a literal `${VAR}`).
 * The process environment wins over the config's own `env.vars` block.
 */
export function substituteEnv(doc: unknown, env: Env, issues: ConfigIssue[]): unknown {
  const block = isPlainObject(doc) && isPlainObject(doc.env) ? doc.env : {};
  const fromConfig: Record<string, string> = {};
  for (const [key, value] of Object.entries(block)) if (typeof value === "string") fromConfig[key] = value;
  if (isPlainObject(block.vars))
    for (const [key, value] of Object.entries(block.vars)) if (typeof value === "string") fromConfig[key] = value;

  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === "string") return substituteString(value, path);
    if (Array.isArray(value)) return value.map((item, i) => walk(item, `${path}[${i}]`));
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) out[key] = walk(child, path ? `${path}.${key}` : key);
      return out;
    }
    return value;
  };

  const substituteString = (text: string, path: string): string => {
    if (!text.includes("${")) return text;
    return text.replace(/(\$?)\$\{([^}]*)\}/g, (match, escape: string, name: string) => {
      if (!ENV_NAME.test(name)) return match;
      if (escape) return `\${${name}}`;
      const value = env[name] ?? fromConfig[name];
      if (value === undefined) {
        issues.push({
          code: "missing_env",
          path,
          message: `Missing env var "${name}" referenced here; set it in the environment or in .env`,
        });
        return match;
      }
      return value;
    });
  };

  return walk(doc, "");
}
