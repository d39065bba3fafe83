/** Which config values are secrets, and how they are masked in every output. @module */
import type { KeySegment } from "./key-path.js";
import { isPlainObject } from "./upstream-keys.js";

export const REDACTED = "__OPENCLAW_REDACTED__";
const SECRET_KEY =
  /^(token|password|apiKey|api_key|secret|clientSecret|botToken|appToken|accessToken|refreshToken|privateKey|webhookSecret|signingSecret)$/i;

/** True when the last key of the path names a secret, or the path lies in the `env` block. */
export function isSecretPath(segments: readonly KeySegment[]): boolean {
  if (segments[0] === "env" && segments.length > 1) return true;
  const last = segments.toReversed().find((s): s is string => typeof s === "string");
  return last !== undefined && SECRET_KEY.test(last);
}

/** A deep copy with every secret value replaced by a marker. */
export function redactConfig(value: unknown, prefix: readonly KeySegment[] = []): unknown {
  if (Array.isArray(value)) return value.map((item, i) => redactConfig(item, [...prefix, i]));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const path = [...prefix, key];
      out[key] =
        isSecretPath(path) && (typeof child === "string" || typeof child === "number")
          ? REDACTED
          : redactConfig(child, path);
    }
    return out;
  }
  return value;
}
