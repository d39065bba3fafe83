import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { SessionStore } from "./store.js";
import { appendEntries, appendEntry, createHeader, loadTranscript, messageEntry, rotateIfLarge } from "./transcript.js";

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
  // A reader (chat.history while the tool runs) sees the call and changes nothing.
  const before = readFileSync(file, "utf8");
  const read = loadTranscript(file, { repair: false });
  assert.equal(read.messages.length, 1);
  assert.equal(readFileSync(file, "utf8"), before, "a reader never writes");
  appendFileSync(file, '{"type":"message","id":"half');
  assert.equal(loadTranscript(file, { repair: false }).messages.length, 1, "a line being written is not read");
  assert.ok(readFileSync(file, "utf8").endsWith('"id":"half'), "nor cut off");
  writeFileSync(file, before);
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
  store.patch("main", { label: "second" });
  assert.match(readFileSync(`${store.indexPath}.bak`, "utf8"), /"label": "first"/);
  writeFileSync(store.indexPath, "{ torn");
  const reopened = new SessionStore(agents, "default");
  assert.equal(reopened.get("main")?.label, "first", "restored from the backup");
  assert.match(readFileSync(reopened.indexPath, "utf8"), /"label": "first"/, "and written back at once");
  assert.ok(readdirSync(join(agents, "default", "sessions")).some((name) => name.startsWith("sessions.json.corrupt-")));
});

test("transcripts the index lacks are put back from their headers; a reader never writes the index", () => {
  const agents = join(dir, "agents-orphans");
  const sessions = join(agents, "default", "sessions");
  appendEntries(join(sessions, "abc-123.jsonl"), [createHeader("abc-123", dir, "work")]);
  appendEntries(join(sessions, "main.jsonl"), [createHeader("main", dir)]);
  appendEntries(join(sessions, "old.reset-1.jsonl"), [createHeader("old", dir, "gone")]);
  const store = new SessionStore(agents, "default");
  assert.deepEqual(
    store
      .list()
      .map((r) => r.key)
      .toSorted(),
    ["main", "work"],
  );
  assert.equal(store.get("work")?.sessionId, "abc-123");
  assert.ok(!existsSync(store.indexPath), "listing does not write");
  store.patch("work", { label: "kept" });
  const reopened = new SessionStore(agents, "default");
  assert.equal(reopened.get("work")?.label, "kept");
  assert.equal(reopened.get("main")?.sessionId, "main", "adopted entries are written with the next change");
});

test("turn counters are written behind, after the current work, and at exit at the latest", async () => {
  const agents = join(dir, "agents-behind");
  const store = new SessionStore(agents, "default");
  store.ensure("s");
  store.patch("s", { totalTokens: 5 }, false);
  assert.ok(!existsSync(store.indexPath), "not written in the same tick");
  await new Promise((r) => setImmediate(r));
  assert.match(readFileSync(store.indexPath, "utf8"), /"totalTokens": 5/);
  // A second change soon after is coalesced: written once the interval has passed.
  store.patch("s", { totalTokens: 6 }, false);
  await new Promise((r) => setImmediate(r));
  assert.match(readFileSync(store.indexPath, "utf8"), /"totalTokens": 5/);
  await new Promise((r) => setTimeout(r, 250));
  assert.match(readFileSync(store.indexPath, "utf8"), /"totalTokens": 6/);

  // A process that exits right after a write-behind still leaves it on disk.
  const exitDir = join(dir, "agents-exit");
  const script = `import { SessionStore } from ${JSON.stringify(new URL("./store.ts", import.meta.url).href)};
    const s = new SessionStore(${JSON.stringify(exitDir)}, "default");
    s.ensure("x"); s.patch("x", { totalTokens: 7 }, false); process.exit(0);`;
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(child.status, 0, child.stderr);
  assert.match(readFileSync(join(exitDir, "default", "sessions", "sessions.json"), "utf8"), /"totalTokens": 7/);
});

test("reset and delete set the transcript aside, and it is not adopted back", () => {
  const agents = join(dir, "agents-archive");
  const store = new SessionStore(agents, "default");
  const entry = store.ensure("work");
  appendEntries(store.transcriptPath(entry.sessionId), [createHeader(entry.sessionId, dir, "work")]);
  assert.equal(store.archive("work", "reset")?.sessionId, entry.sessionId);
  assert.equal(store.archive("missing", "deleted"), undefined);
  const names = readdirSync(join(agents, "default", "sessions"));
  assert.ok(
    names.some((f) => f.startsWith(`${entry.sessionId}.reset-`) && f.endsWith(".jsonl")),
    names.join(" "),
  );
  assert.ok(!names.includes(`${entry.sessionId}.jsonl`));
  assert.equal(new SessionStore(agents, "default").get("work"), undefined);
});

test("the main session and the Control UI's web-<id> chats are files named after their key", () => {
  const store = new SessionStore(join(dir, "agents-names"), "default");
  assert.equal(store.ensure("main").sessionId, "main");
  assert.equal(store.ensure("web-1a2b3c").sessionId, "web-1a2b3c");
  assert.match(store.ensure("telegram:dm:42").sessionId, /^[0-9a-f-]{36}$/);
  assert.match(store.ensure("web-../../x").sessionId, /^[0-9a-f-]{36}$/, "only a plain web-<id> names a file");
});
