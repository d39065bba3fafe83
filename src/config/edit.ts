/**
 * Edits the text of the config file key by key, so that everything else in it (keys we do not know,
 * `$include`, `${VAR}` references, and comments and layout where possible) stays as it was.
 * Files that are JSON or JSON-with-comments are edited in place; files that use JSON5-only syntax
 * (unquoted keys, single quotes) are re-serialised as plain JSON, which drops their comments.
 * @module
 */
import JSON5 from "json5";
import { applyEdits, modify, parse as parseJsonc, type ParseError } from "jsonc-parser";
import { type KeySegment, getAtPath } from "./key-path.js";
import { ConfigEditError } from "./issues.js";
import { isPlainObject } from "./upstream-keys.js";

export interface ConfigEdit {
  readonly path: readonly KeySegment[];
  /** The new value; `undefined` removes the key. */
  readonly value: unknown;
}

export interface EditResult {
  readonly text: string;
  readonly document: unknown;
  /** False when the file had JSON5-only syntax and was rewritten as JSON (comments dropped). */
  readonly preservedFormatting: boolean;
  /** Paths whose value actually changed. */
  readonly changed: readonly KeySegment[][];
}

/** Applies edits to the file text (null for a new file) and returns the new text and document. */
export function editConfigText(raw: string | null, edits: readonly ConfigEdit[]): EditResult {
  const source = raw === null || raw.trim() === "" ? "{}\n" : raw;
  const errors: ParseError[] = [];
  const jsoncDoc: unknown = parseJsonc(source, errors, { allowTrailingComma: true, disallowComments: false });
  const inPlace = errors.length === 0 && isPlainObject(jsoncDoc);
  let document: unknown = inPlace ? jsoncDoc : JSON5.parse(source);
  if (!isPlainObject(document))
    throw new ConfigEditError("The config file does not hold an object; fix or restore it before editing");

  const changed: KeySegment[][] = [];
  let text = source;
  for (const edit of edits) {
    checkEditable(document, edit);
    const before = getAtPath(document, edit.path);
    if (JSON.stringify(before) === JSON.stringify(edit.value)) continue;
    changed.push([...edit.path]);
    // Removing the last key of a section removes the section too, so no `{}` shells are left behind.
    let target = edit.path;
    while (
      edit.value === undefined &&
      target.length > 1 &&
      isOnlyKey(getAtPath(document, target.slice(0, -1)), target.at(-1)!)
    ) {
      target = target.slice(0, -1);
    }
    if (inPlace) {
      const options = { formattingOptions: { insertSpaces: !/^\t/m.test(text), tabSize: indentOf(text), eol: "\n" } };
      text = applyEdits(text, modify(text, [...target], edit.value, options));
      document = parseJsonc(text, [], { allowTrailingComma: true, disallowComments: false });
    } else {
      document = setIn(document, target, edit.value);
    }
  }
  if (!inPlace && changed.length > 0) text = `${JSON.stringify(document, null, 2)}\n`;
  if (!text.endsWith("\n")) text += "\n";
  return { text, document, preservedFormatting: inPlace, changed };
}

function checkEditable(document: unknown, edit: ConfigEdit): void {
  let current: unknown = document;
  for (let i = 0; i < edit.path.length; i++) {
    const segment = edit.path[i]!;
    const here = edit.path.slice(0, i).join(".") || "the top level";
    if (typeof segment === "number") {
      if (!Array.isArray(current)) throw new ConfigEditError(`Cannot use index [${segment}]: ${here} is not a list`);
      const last = i === edit.path.length - 1;
      if (segment > current.length || (segment === current.length && (!last || edit.value === undefined))) {
        throw new ConfigEditError(`Index [${segment}] is past the end of ${here} (it has ${current.length} entries)`);
      }
    } else if (current !== undefined && !isPlainObject(current)) {
      throw new ConfigEditError(
        `Cannot set ${segment} inside ${here}: it holds ${Array.isArray(current) ? "a list" : `a ${typeof current}`}, not an object`,
      );
    }
    current = current === undefined ? undefined : (current as Record<string | number, unknown>)[segment];
  }
}

function isOnlyKey(parent: unknown, key: KeySegment): boolean {
  return isPlainObject(parent) && Object.keys(parent).length === 1 && typeof key === "string" && key in parent;
}

function setIn(root: unknown, path: readonly KeySegment[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [KeySegment, ...KeySegment[]];
  if (typeof head === "number") {
    const list = Array.isArray(root) ? [...(root as unknown[])] : [];
    if (rest.length === 0 && value === undefined) list.splice(head, 1);
    else list[head] = setIn(list[head], rest, value);
    return list;
  }
  const obj: Record<string, unknown> = isPlainObject(root) ? { ...root } : {};
  if (rest.length === 0 && value === undefined) delete obj[head];
  else obj[head] = setIn(obj[head], rest, value);
  return obj;
}

function indentOf(text: string): number {
  const match = /^( +)\S/m.exec(text);
  return match ? Math.min(match[1]!.length, 8) : 2;
}
