/** Parsing of the key paths users type: `gateway.port`, `agents.list[0].id`, `models.providers["a.b"].apiKey`. @module */

export type KeySegment = string | number;

const FORBIDDEN = new Set(["__proto__", "prototype", "constructor"]);
export const MAX_KEY_PATH_LENGTH = 1024;

export class KeyPathError extends Error {
  override name = "KeyPathError";
}

/** Splits a key path into segments, rejecting empty, oversized and prototype-polluting paths. */
export function parseKeyPath(input: string): KeySegment[] {
  if (input.length === 0) throw new KeyPathError("The key path is empty. Example: gateway.port");
  if (input.length > MAX_KEY_PATH_LENGTH)
    throw new KeyPathError(`The key path is longer than ${MAX_KEY_PATH_LENGTH} characters`);
  const segments: KeySegment[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new KeyPathError(
      `Invalid key path ${JSON.stringify(input)}: ${why}. Examples: gateway.port, agents.list[0].id, models.providers["my.provider"].apiKey`,
    );
  };
  while (i < input.length) {
    const ch = input[i]!;
    if (ch === "[") {
      const end = input.indexOf("]", i);
      if (end < 0) fail("an opening [ has no closing ]");
      const inner = input.slice(i + 1, end);
      if (/^\d+$/.test(inner)) segments.push(Number(inner));
      else if (/^"(?:[^"\\]|\\.)*"$/.test(inner)) segments.push(JSON.parse(inner) as string);
      else fail(`[${inner}] is neither an index nor a "quoted key"`);
      i = end + 1;
      if (i < input.length && input[i] === ".") {
        i++;
        if (i >= input.length) fail("it ends with a dot");
      }
      continue;
    }
    let end = i;
    while (end < input.length && input[end] !== "." && input[end] !== "[") end++;
    const key = input.slice(i, end);
    if (key === "") fail("it has an empty key (two dots in a row, or a leading dot)");
    segments.push(key);
    i = end;
    if (input[i] === ".") {
      i++;
      if (i >= input.length) fail("it ends with a dot");
    }
  }
  for (const segment of segments) {
    if (typeof segment === "string" && FORBIDDEN.has(segment)) fail(`"${segment}" is not allowed as a key`);
  }
  return segments;
}

/** Reads the value at `segments`, or undefined. Only own properties are followed. */
export function getAtPath(root: unknown, segments: readonly KeySegment[]): unknown {
  let current: unknown = root;
  for (const segment of segments) {
    if (current === null || typeof current !== "object") return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}
