import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { followLog, readLastLines } from "./tail.js";

const dir = mkdtempSync(join(tmpdir(), "oc-tail-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("the last lines come from the newest files, oldest first", () => {
  const a = join(dir, "a.log");
  const b = join(dir, "b.log");
  writeFileSync(a, "a1\na2\na3\n");
  writeFileSync(b, "b1\nb2\n");
  assert.deepEqual(readLastLines([a, b], { limit: 3 }), ["a3", "b1", "b2"]);
  assert.deepEqual(readLastLines([a, b], { limit: 10 }), ["a1", "a2", "a3", "b1", "b2"]);
  assert.deepEqual(readLastLines([a, b], { limit: 10, keep: (l) => l.endsWith("2") }), ["a2", "b2"]);
  assert.deepEqual(readLastLines([join(dir, "missing"), b], { limit: 10 }), ["b1", "b2"]);
});

test("the byte budget bounds what is read and drops the cut line", () => {
  const big = join(dir, "big.log");
  writeFileSync(big, Array.from({ length: 10_000 }, (_, i) => `line-${String(i).padStart(5, "0")}`).join("\n") + "\n");
  const out = readLastLines([big], { limit: 10_000, maxBytes: 120 });
  assert.ok(out.length <= 10);
  assert.equal(out.at(-1), "line-09999");
  for (const line of out) assert.match(line, /^line-\d{5}$/);
});

test("follow prints appended lines and moves to the next day's file", async () => {
  const today = join(dir, "day1.log");
  const tomorrow = join(dir, "day2.log");
  writeFileSync(today, "old\n");
  let current = today;
  const seen: string[] = [];
  const controller = new AbortController();
  const done = followLog({
    currentFile: () => current,
    intervalMs: 20,
    fromEnd: true,
    signal: controller.signal,
    onLine: (l) => seen.push(l),
  });
  await sleep(60);
  appendFileSync(today, "t1\npart");
  await sleep(60);
  appendFileSync(today, "ial\n");
  writeFileSync(tomorrow, "n1\n");
  current = tomorrow;
  await sleep(80);
  appendFileSync(tomorrow, "n2\n");
  const deadline = Date.now() + 2000;
  while (seen.length < 4 && Date.now() < deadline) await sleep(20);
  controller.abort();
  await done;
  assert.deepEqual(seen, ["t1", "partial", "n1", "n2"]);
});

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test("logs.tail chunks: the last lines without a cursor, then exactly what was added", async () => {
  const { readLogChunk } = await import("./tail.js");
  const file = join(dir, "chunk.log");
  writeFileSync(file, "l1\nl2\nl3\n");
  const first = readLogChunk(file, { limit: 2, maxBytes: 1000 });
  assert.deepEqual(first.lines, ["l2", "l3"]);
  assert.equal(first.cursor, 9);
  appendFileSync(file, "l4\nl5\npart");
  const next = readLogChunk(file, { cursor: first.cursor, limit: 1, maxBytes: 1000 });
  assert.deepEqual(next.lines, ["l4"]);
  assert.equal(next.truncated, true);
  const rest = readLogChunk(file, { cursor: next.cursor, limit: 100, maxBytes: 1000 });
  assert.deepEqual(rest.lines, ["l5"], "an unfinished line waits for its newline");
  const rotated = readLogChunk(file, { cursor: 10_000, limit: 100, maxBytes: 1000 });
  assert.equal(rotated.reset, true);
  assert.deepEqual(rotated.lines, ["l1", "l2", "l3", "l4", "l5"]);
});
