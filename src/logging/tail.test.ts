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
