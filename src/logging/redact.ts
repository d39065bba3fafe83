/** Removal of secrets from log records before they reach any sink. @module */

export const REDACTED_MARK = "[redacted]";
const SECRET_FIELD = /(token|password|passwd|secret|api[-_]?key|authorization|cookie|credential|private[-_]?key)/i;
const PATTERNS: readonly [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/g, `$1 ${REDACTED_MARK}`],
  [/\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{8,}/g, `sk-${REDACTED_MARK}`],
  [/([?&#](?:token|password|key|api_key|apikey)=)[^&\s#]+/gi, `$1${REDACTED_MARK}`],
  [/(authorization["']?\s*[:=]\s*["']?)[^"'\s,}]+/gi, `$1${REDACTED_MARK}`],
];
const MAX_DEPTH = 8;

/** Masks known secret values, secret-looking patterns, and fields whose names say they hold secrets. */
export function redact(value: unknown, secrets: ReadonlySet<string>, depth = 0): unknown {
  if (typeof value === "string") return redactString(value, secrets);
  if (depth >= MAX_DEPTH || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, secrets, depth + 1));
  if (value instanceof Error) return redactString(value.message, secrets);
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] =
      SECRET_FIELD.test(key) &&
      child !== null &&
      child !== undefined &&
      typeof child !== "object" &&
      typeof child !== "boolean"
        ? REDACTED_MARK
        : redact(child, secrets, depth + 1);
  }
  return out;
}

export function redactString(text: string, secrets: ReadonlySet<string>): string {
  let out = text;
  for (const secret of secrets) {
    // Short values would mask ordinary words; secrets we generate are long.
    if (secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(REDACTED_MARK);
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
