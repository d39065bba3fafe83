import assert from "node:assert/strict";
import { test } from "node:test";
import { ariaNodes, shapeSnapshot } from "./snapshot.js";

const SNAPSHOT = [
  "- generic [active] [ref=e1]:",
  '  - heading "Orders" [level=1] [ref=e2]',
  "  - generic [ref=e3]:",
  '    - textbox "Search orders" [ref=e4]',
  '    - button "Search" [ref=e5]',
  "  - list [ref=e6]:",
  "    - listitem [ref=e7]:",
  '      - link "Order 1001" [ref=e8]:',
  "        - /url: /orders/1001",
  "    - listitem [ref=e9]: Order 1002 (shipped)",
  "  - paragraph [ref=e10]: Showing 2 of 2",
].join("\n");

test("snapshot shapes: interactive is a flat list of actionable refs; compact drops unnamed structure", () => {
  const interactive = shapeSnapshot(SNAPSHOT, { interactive: true, maxChars: 40_000 });
  assert.equal(
    interactive.text,
    ['- textbox "Search orders" [ref=e4]', '- button "Search" [ref=e5]', '- link "Order 1001" [ref=e8]:'].join("\n"),
  );
  assert.deepEqual(interactive.stats, { lines: 3, chars: interactive.text.length, refs: 3, interactive: 3 });

  const compact = shapeSnapshot(SNAPSHOT, { compact: true, maxChars: 40_000 }).text.split("\n");
  assert.ok(!compact.some((l) => /- (generic|list|listitem) \[ref=e(3|6|7)\]/.test(l)), compact.join("\n"));
  assert.ok(compact.includes("    - listitem [ref=e9]: Order 1002 (shipped)"), "a container with text stays");
  assert.ok(compact.includes("  - paragraph [ref=e10]: Showing 2 of 2"));
});

test("snapshot query keeps lines holding every word; maxChars truncates and says so", () => {
  assert.equal(
    shapeSnapshot(SNAPSHOT, { query: "ORDER 1002", maxChars: 40_000 }).text,
    "    - listitem [ref=e9]: Order 1002 (shipped)",
  );
  const cut = shapeSnapshot(SNAPSHOT, { maxChars: 30 });
  assert.equal(cut.text.length, 30);
  assert.equal(cut.truncated, true);
  assert.equal(shapeSnapshot(SNAPSHOT, { maxChars: 40_000 }).truncated, false);
});

test("aria format: meaningful nodes in document order with axN refs and depth, bounded by limit", () => {
  const tree = [
    {
      nodeId: "1",
      role: { value: "RootWebArea" },
      name: { value: "Orders" },
      childIds: ["2", "5"],
      backendDOMNodeId: 1,
    },
    { nodeId: "2", parentId: "1", role: { value: "generic" }, childIds: ["3", "4"] },
    { nodeId: "3", parentId: "2", role: { value: "button" }, name: { value: "Search" }, backendDOMNodeId: 7 },
    { nodeId: "4", parentId: "2", ignored: true, role: { value: "none" } },
    { nodeId: "5", parentId: "1", role: { value: "textbox" }, name: { value: "Query" }, value: { value: "abc" } },
  ];
  assert.deepEqual(ariaNodes(tree, 500), [
    { ref: "ax1", role: "RootWebArea", name: "Orders", backendDOMNodeId: 1, depth: 0 },
    { ref: "ax2", role: "button", name: "Search", backendDOMNodeId: 7, depth: 1 },
    { ref: "ax3", role: "textbox", name: "Query", value: "abc", depth: 1 },
  ]);
  assert.equal(ariaNodes(tree, 2).length, 2);
  // A very deep tree is walked without recursion.
  const deep = Array.from({ length: 50_000 }, (_, i) => ({
    nodeId: String(i),
    ...(i > 0 ? { parentId: String(i - 1) } : {}),
    role: { value: "group" },
    name: { value: `g${i}` },
    childIds: [String(i + 1)],
  }));
  assert.equal(ariaNodes(deep, 2000).length, 2000);
});
