import assert from "node:assert/strict";
import { test } from "node:test";
import { parseLogLine } from "./parse-line.js";

test("our own lines are records as they are", () => {
  const line = JSON.stringify({ time: "2026-11-30T10:00:00.000Z", level: "warn", subsystem: "gateway", msg: "hi" });
  assert.deepEqual(parseLogLine(line), JSON.parse(line));
});

test("tslog lines: positional strings make the message, objects the fields, _meta the level and subsystem", () => {
  const line = JSON.stringify({
    "0": "listening",
    "1": { port: 18789 },
    "2": 42,
    _meta: { logLevelName: "ERROR", name: '{"subsystem":"gateway"}', date: "2026-11-30T10:00:00.000Z" },
    time: "Mon Nov 30 2026",
  });
  assert.deepEqual(parseLogLine(line), {
    port: 18789,
    time: "2026-11-30T10:00:00.000Z",
    level: "error",
    subsystem: "gateway",
    msg: "listening 42",
  });
  const plain = parseLogLine(JSON.stringify({ "0": "x", _meta: { logLevelName: "SILLY", name: "agent" } }));
  assert.equal(plain?.level, "trace");
  assert.equal(plain?.subsystem, "agent");
  // A field named like ours never overrides the record's own.
  const sneaky = parseLogLine(JSON.stringify({ "0": { level: "fatal", msg: "no" }, _meta: { logLevelName: "INFO" } }));
  assert.equal(sneaky?.level, "info");
  assert.equal(sneaky?.msg, "");
});

test("anything else is not a record", () => {
  for (const line of ["not json", "[1,2]", "null", '{"a":1}', '{"msg":1,"level":"info"}'])
    assert.equal(parseLogLine(line), undefined, line);
});
