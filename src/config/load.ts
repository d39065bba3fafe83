/**
 * The one load path of the config: read → parse JSON5 → `$include` → `${VAR}` → set aside upstream-only
 * keys → validate. `config validate`, `config get`, doctor and the gateway all go through it.
 * @module
 */
import { createHash } from "node:crypto";
import * as v from "valibot";
import { ConfigError, type ConfigIssue } from "./issues.js";
import { parseJson5, readBoundedText, resolveIncludes, substituteEnv } from "./includes.js";
import type { Env } from "./paths.js";
import { configSchema, lookupPath, type OpenClawConfig } from "./schema.js";
import { closest } from "./suggest.js";
import { isNotFound } from "../files/fs-safe.js";
import { isPlainObject, setAsideUpstreamKeys } from "./upstream-keys.js";

export interface ConfigSnapshot {
  readonly path: string;
  readonly exists: boolean;
  /** The root file's text, or null when it does not exist or cannot be read. */
  readonly raw: string | null;
  /** sha256 of the root file's text (and included files' texts when there are any); null when missing. */
  readonly hash: string | null;
  /** The root document as parsed, before includes and substitution (what writes edit). */
  readonly document: unknown;
  /** After includes and substitution, upstream-only keys still in place. */
  readonly resolved: Record<string, unknown>;
  /** The validated config (upstream-only keys set aside); only trustworthy when `valid`. */
  readonly config: OpenClawConfig;
  readonly issues: readonly ConfigIssue[];
  /** Dot paths of keys OpenClaw defines that this project ignores (kept on writes). */
  readonly ignored: readonly string[];
  readonly valid: boolean;
}

/** Reads and checks the config file; never throws for a bad config, only reports it. */
export function readConfigSnapshot(configPath: string, env: Env): ConfigSnapshot {
  let raw: string;
  try {
    raw = readBoundedText(configPath);
  } catch (error) {
    if (isNotFound(error)) return evaluateDocument({}, { configPath, env, raw: null });
    return evaluateDocument({}, { configPath, env, raw: null, readIssue: readIssue(error) });
  }
  const parsed = parseJson5(raw);
  if (parsed.issue) return evaluateDocument({}, { configPath, env, raw, readIssue: parsed.issue });
  return evaluateDocument(parsed.value, { configPath, env, raw });
}

/** Loads the config or throws a ConfigError (exit 78) listing every problem. */
export function loadConfig(configPath: string, env: Env): ConfigSnapshot {
  const snapshot = readConfigSnapshot(configPath, env);
  if (!snapshot.valid) throw new ConfigError(configPath, snapshot.issues);
  return snapshot;
}

/** Checks an in-memory document as if it were the file at `configPath` (used before every write). */
export function evaluateDocument(
  document: unknown,
  input: { configPath: string; env: Env; raw: string | null; readIssue?: ConfigIssue },
): ConfigSnapshot {
  const issues: ConfigIssue[] = input.readIssue ? [input.readIssue] : [];
  let resolved: Record<string, unknown> = {};
  let ignored: string[] = [];
  let config: OpenClawConfig = {};
  let includeFiles: { path: string; text: string }[] = [];
  if (!input.readIssue) {
    if (!isPlainObject(document)) {
      issues.push({
        code: "invalid_type",
        path: "",
        message: `The file must hold an object ({ ... }), not ${describe(document)}`,
      });
    } else {
      const included = resolveIncludes(document, input.configPath, issues);
      includeFiles = included.files;
      resolved = substituteEnv(included.value, input.env, issues) as Record<string, unknown>;
      const aside = setAsideUpstreamKeys(resolved);
      ignored = aside.ignored;
      const result = v.safeParse(configSchema, aside.rest, { abortEarly: false });
      if (result.success) config = result.output;
      else issues.push(...result.issues.map(toConfigIssue));
    }
  }
  return {
    path: input.configPath,
    exists: input.raw !== null,
    raw: input.raw,
    hash: input.raw === null ? null : hashConfig(input.raw, includeFiles),
    document,
    resolved,
    config,
    issues,
    ignored,
    valid: issues.length === 0,
  };
}

/** sha256 hex of the root text, folding in included files so an edit to one changes the hash too. */
export function hashConfig(raw: string, includes: readonly { path: string; text: string }[] = []): string {
  const hash = createHash("sha256").update(raw);
  for (const file of includes) hash.update("\0").update(file.path).update("\0").update(file.text);
  return hash.digest("hex");
}

/** Formats key segments as `a.b[0].c`, quoting keys that are not plain identifiers. */
export function formatKeyPath(segments: readonly (string | number)[]): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function toConfigIssue(issue: v.BaseIssue<unknown>): ConfigIssue {
  const segments = (issue.path ?? []).map((item) => item.key as string | number);
  const path = formatKeyPath(segments);
  if (issue.type === "strict_object" && issue.expected === "never") {
    const key = String(segments[segments.length - 1]);
    const parent = lookupPath(segments.slice(0, -1));
    const suggestion = parent.kind === "known" ? closest(key, siblingKeys(segments.slice(0, -1))) : undefined;
    return { code: "unknown_key", path, message: "Unknown key", ...(suggestion ? { suggestion } : {}) };
  }
  const expected = issue.expected ?? "";
  const custom = !/^Invalid (type|value|length|key)/.test(issue.message);
  const message = custom
    ? `${issue.message} (got ${issue.received})`
    : `Expected ${expected} but got ${issue.received}`;
  let suggestion: string | undefined;
  if (issue.type === "picklist" && typeof issue.input === "string") {
    const options =
      (issue as unknown as { options?: readonly string[] }).options ?? expected.replace(/[()"]/g, "").split(" | ");
    suggestion = closest(issue.input, options);
  }
  return {
    code: issue.kind === "schema" ? "invalid_type" : "invalid_value",
    path,
    message,
    ...(suggestion ? { suggestion } : {}),
  };
}

function siblingKeys(parent: readonly (string | number)[]): string[] {
  const found = lookupPath([...parent, "\0"]);
  return found.kind === "unknown" ? found.keys : [];
}

function readIssue(error: unknown): ConfigIssue {
  const e = error as NodeJS.ErrnoException;
  if (e.code === "EACCES")
    return {
      code: "read",
      path: "",
      message: "Permission denied reading the config; check its owner and mode (it should be yours, 0600)",
    };
  if (e.code === "EISDIR") return { code: "read", path: "", message: "The config path is a directory, not a file" };
  return { code: "read", path: "", message: `Cannot read the config: ${e.message}` };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
