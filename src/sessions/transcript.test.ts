import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { SessionStore } from "./store.js";
import { appendEntry, createHeader, loadTranscript, messageEntry, rotateIfLarge } from "./transcript.js";

const dir = mkdtempSync(join(tmpdir(), "oc-sessions-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `t${n++}.jsonl`);

test("entries append as lines with a top-level role", () => {
  const file = fresh();
  appendEntry(file, createHeader("s1", "/w"));
  appendEntry(file, messageEntry({ role: "user", content: [{ type: "text", text: "hi" }], timestamp: 1 }, null));
  const lines = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string; role?: string });
  assert.deepEqual(
    lines.map((l) => [l.type, l.role]),
    [
      ["session", undefined],
      ["message", "user"],
    ],
  );
});

test("a torn last line is set aside into .corrupt and the rest loads", () => {
  const file = fresh();
  appendEntry(file, messageEntry({ role: "user", content: [{ type: "text", text: "kept" }], timestamp: 1 }, null));
  appendFileSync(file, '{"type":"message","role":"assis');
  const loaded = loadTranscript(file);
  assert.equal(loaded.messages.length, 1);
  assert.equal(loaded.repaired.tornBytes, 31);
  assert.equal(readFileSync(`${file}.corrupt`, "utf8"), '{"type":"message","role":"assis\n');
  assert.ok(readFileSync(file, "utf8").endsWith("\n"));
  appendEntry(file, messageEntry({ role: "user", content: [{ type: "text", text: "next" }], timestamp: 2 }, null));
  assert.equal(loadTranscript(file).messages.length, 2, "appending after the repair yields valid lines");
});

test("a tool call without its result gets a synthetic aborted result", () => {
  const file = fresh();
  appendEntry(
    file,
    messageEntry(
      {
        role: "assistant",
        content: [{ type: "toolCall", id: "c1", name: "exec", arguments: { command: "sleep 100" } }],
        timestamp: 1,
      },
      null,
    ),
  );
  const loaded = loadTranscript(file);
  assert.equal(loaded.repaired.abortedToolCalls, 1);
  const last = loaded.messages.at(-1)!.message;
  assert.deepEqual([last.role, last.toolCallId, last.isError], ["toolResult", "c1", true]);
  assert.equal(loadTranscript(file).repaired.abortedToolCalls, 0, "repaired once, on disk");
});

test("unreadable middle lines are skipped, not fatal", () => {
  const file = fresh();
  writeFileSync(
    file,
    `${JSON.stringify(messageEntry({ role: "user", content: [{ type: "text", text: "a" }], timestamp: 1 }, null))}\nGARBAGE\n`,
  );
  assert.equal(loadTranscript(file).repaired.skippedLines, 1);
});

test("a transcript past its cap is rotated", () => {
  const file = fresh();
  writeFileSync(file, "x".repeat(2000));
  assert.equal(rotateIfLarge(file, 1000), file.replace(/\.jsonl$/, ".1.jsonl"));
  assert.equal(rotateIfLarge(file, 1000), undefined);
});

test("the session index survives corruption through its backup, and is never left empty", () => {
  const agents = join(dir, "agents");
  const store = new SessionStore(agents, "default");
  store.ensure("main");
  store.patch("main", { label: "first" });
  const saved = readFileSync(store.indexPath, "utf8");
  writeFileSync(store.indexPath, "{ torn");
  const reopened = new SessionStore(agents, "default");
  assert.equal(reopened.get("main")?.sessionId, "main");
  assert.ok(readFileSync(reopened.indexPath, "utf8").length > 2);
  assert.ok(saved.includes("first"));
});
