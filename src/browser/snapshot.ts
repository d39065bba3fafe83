/**
 * Snapshot shaping, as upstream's options ask: from Playwright's AI snapshot (`- role "name" [ref=e12]`
 * lines, indented by depth) keep only interactive elements, drop unnamed structure, keep lines matching a
 * query, cap the size; and upstream's `aria` format from the CDP accessibility tree. Pure.
 * @module
 */

/** Roles a model can act on (what `interactive` keeps). */
const INTERACTIVE = new Set([
  "button",
  "link",
  "textbox",
  "searchbox",
  "checkbox",
  "radio",
  "combobox",
  "listbox",
  "option",
  "menuitem",
  "menuitemcheckbox",
  "menuitemradio",
  "tab",
  "switch",
  "slider",
  "spinbutton",
  "treeitem",
]);
/** Containers that say nothing without a name (what `compact` drops). */
const STRUCTURE = new Set(["generic", "group", "list", "listitem", "none", "presentation", "rowgroup", "paragraph"]);

export interface SnapshotShape {
  readonly interactive?: boolean;
  readonly compact?: boolean;
  readonly query?: string | undefined;
  readonly maxChars: number;
}

/** `- role "name" [ref=e1]: text` → its role, whether it has a name or text, its indentation. */
function parseLine(line: string): { role: string; named: boolean; indent: number } | undefined {
  const match = /^(\s*)- ([\w-]+)(.*)$/.exec(line);
  if (!match) return undefined;
  const rest = match[3]!;
  return { indent: match[1]!.length, role: match[2]!, named: /"[^"]+"/.test(rest) || /:\s*\S/.test(rest) };
}

export interface ShapedSnapshot {
  readonly text: string;
  readonly truncated: boolean;
  readonly stats: { lines: number; chars: number; refs: number; interactive: number };
}

export function shapeSnapshot(raw: string, shape: SnapshotShape): ShapedSnapshot {
  let lines = raw.split("\n").filter((l) => l.trim() !== "");
  const interactiveCount = lines.filter((l) => INTERACTIVE.has(parseLine(l)?.role ?? "")).length;
  if (shape.interactive) {
    // A flat list: the elements one can act on, each with its ref.
    lines = lines
      .filter((l) => INTERACTIVE.has(parseLine(l)?.role ?? "") && /\[ref=/.test(l))
      .map((l) => l.trimStart());
  } else if (shape.compact) {
    lines = lines.filter((l) => {
      const parsed = parseLine(l);
      return !parsed || !STRUCTURE.has(parsed.role) || parsed.named;
    });
  }
  const tokens = (shape.query ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  if (tokens.length > 0) lines = lines.filter((l) => tokens.every((t) => l.toLowerCase().includes(t)));
  const text = lines.join("\n");
  return {
    text: text.slice(0, shape.maxChars),
    truncated: text.length > shape.maxChars,
    stats: {
      lines: lines.length,
      chars: text.length,
      refs: (text.match(/\[ref=(f\d+)?e\d+\]/g) ?? []).length,
      interactive: interactiveCount,
    },
  };
}

interface AxValue {
  value?: unknown;
}
export interface AxNode {
  nodeId: string;
  ignored?: boolean;
  role?: AxValue;
  name?: AxValue;
  value?: AxValue;
  description?: AxValue;
  backendDOMNodeId?: number;
  childIds?: string[];
  parentId?: string;
}

const axText = (v: AxValue | undefined) =>
  typeof v?.value === "string" || typeof v?.value === "number" ? String(v.value) : "";

/** Upstream's `aria` format: the accessibility tree's meaningful nodes in document order, `axN` refs, depth. */
export function ariaNodes(tree: readonly AxNode[], limit: number): Record<string, unknown>[] {
  const byId = new Map(tree.map((n) => [n.nodeId, n]));
  const root = tree.find((n) => !n.parentId) ?? tree[0];
  const out: Record<string, unknown>[] = [];
  // Iterative walk with an explicit stack: a hostile page's deep tree cannot overflow the call stack.
  const stack: [AxNode, number][] = root ? [[root, 0]] : [];
  while (stack.length > 0 && out.length < limit) {
    const [node, depth] = stack.pop()!;
    const role = axText(node.role);
    const shown = !node.ignored && role !== "" && role !== "none" && role !== "generic" && role !== "InlineTextBox";
    if (shown) {
      const name = axText(node.name);
      const value = axText(node.value);
      const description = axText(node.description);
      out.push({
        ref: `ax${out.length + 1}`,
        role,
        name,
        ...(value ? { value } : {}),
        ...(description ? { description } : {}),
        ...(node.backendDOMNodeId !== undefined ? { backendDOMNodeId: node.backendDOMNodeId } : {}),
        depth,
      });
    }
    const children = (node.childIds ?? []).map((id) => byId.get(id)).filter((n): n is AxNode => n !== undefined);
    for (const child of children.toReversed()) stack.push([child, shown ? depth + 1 : depth]);
  }
  return out;
}
