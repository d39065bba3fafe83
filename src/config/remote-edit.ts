/**
 * Config changes that arrive over the protocol (`config.set`, `config.patch`, `config.apply`): masked
 * secrets sent back unchanged are restored from the file, merge patches become key edits.
 * @module
 */
import type { ConfigEdit } from "./edit.js";
import { ConfigEditError } from "./issues.js";
import { getAtPath, type KeySegment } from "./key-path.js";
import { formatKeyPath } from "./load.js";
import { isSecretPath, REDACTED } from "./secrets.js";
import { isPlainObject } from "./upstream-keys.js";

/** Masks the secret values of `resolved` wherever they appear as string literals in the raw text. */
export function redactRawText(raw: string, document: unknown): string {
  const secrets = new Set<string>();
  const walk = (value: unknown, path: KeySegment[]) => {
    if (typeof value === "string" && isSecretPath(path) && value.length > 0) secrets.add(value);
    else if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i]));
    else if (isPlainObject(value)) for (const [key, child] of Object.entries(value)) walk(child, [...path, key]);
  };
  walk(document, []);
  let out = raw;
  for (const secret of secrets) {
    for (const quote of ['"', "'"]) out = out.split(`${quote}${secret}${quote}`).join(`${quote}${REDACTED}${quote}`);
  }
  return out;
}

/** Puts the file's values back where a client returned the redaction marker. */
export function restoreRedacted(next: unknown, current: unknown, path: KeySegment[] = []): unknown {
  if (next === REDACTED) {
    const original = getAtPath(current, path);
    if (typeof original !== "string") {
      throw new ConfigEditError(
        `${formatKeyPath(path)} holds the redaction marker but the config has no value there to keep; send the real value`,
      );
    }
    return original;
  }
  if (Array.isArray(next)) return next.map((item, i) => restoreRedacted(item, current, [...path, i]));
  if (isPlainObject(next)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(next)) out[key] = restoreRedacted(child, current, [...path, key]);
    return out;
  }
  return next;
}

/** True when any value in the tree is the redaction marker. */
export function containsRedacted(value: unknown): boolean {
  if (value === REDACTED) return true;
  if (Array.isArray(value)) return value.some(containsRedacted);
  if (isPlainObject(value)) return Object.values(value).some(containsRedacted);
  return false;
}

function stripNulls(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) if (child !== null) out[key] = stripNulls(child);
  return out;
}

/** RFC 7386 merge patch as key edits: `null` removes, objects merge, anything else replaces. */
export function mergePatchToEdits(
  patch: Record<string, unknown>,
  current: unknown,
  prefix: KeySegment[] = [],
): ConfigEdit[] {
  const edits: ConfigEdit[] = [];
  for (const [key, value] of Object.entries(patch)) {
    const path = [...prefix, key];
    const existing = getAtPath(current, path);
    if (value === null) {
      if (existing !== undefined) edits.push({ path, value: undefined });
    } else if (isPlainObject(value) && isPlainObject(existing)) {
      edits.push(...mergePatchToEdits(value, current, path));
    } else {
      edits.push({ path, value: stripNulls(value) });
    }
  }
  return edits;
}
