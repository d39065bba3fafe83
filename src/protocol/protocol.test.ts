import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConnectParams } from "./connect.js";
import { closeReason } from "./errors.js";
import { parseRequestFrame } from "./frames.js";
import { hasScope, requiredScope } from "./methods.js";
import { negotiateProtocol } from "./version.js";

test("protocol negotiation: [3,4] intersect, highest wins; no range is a v3 client", () => {
  assert.equal(negotiateProtocol(4, 4), 4);
  assert.equal(negotiateProtocol(3, 4), 4);
  assert.equal(negotiateProtocol(3, 3), 3);
  assert.equal(negotiateProtocol(1, 9), 4);
  assert.equal(negotiateProtocol(undefined, undefined), 3);
  assert.equal(negotiateProtocol(5, 6), undefined);
  assert.equal(negotiateProtocol(1, 2), undefined);
  assert.equal(negotiateProtocol(4, 3), undefined);
});

test("request frames: string or numeric ids, bounded method names, clear reasons", () => {
  assert.deepEqual(parseRequestFrame('{"type":"req","id":"1","method":"health"}'), {
    ok: true,
    frame: { type: "req", id: "1", method: "health" },
  });
  assert.deepEqual(parseRequestFrame('{"type":"req","id":7,"method":"health","params":{"a":1}}'), {
    ok: true,
    frame: { type: "req", id: 7, method: "health", params: { a: 1 } },
  });
  const cases: [string, RegExp][] = [
    ["{", /malformed JSON/],
    ["[]", /JSON object/],
    ['{"type":"event","id":"x"}', /expected type "req"/],
    ['{"type":"req","method":"x"}', /id must be/],
    ['{"type":"req","id":"x","method":""}', /method must be/],
    [`{"type":"req","id":"x","method":"${"m".repeat(200)}"}`, /at most 128/],
  ];
  for (const [text, reason] of cases) {
    const parsed = parseRequestFrame(text);
    assert.equal(parsed.ok, false, text);
    assert.match((parsed as { reason: string }).reason, reason);
  }
});

test("connect params: the v4 shape, the seed's form, and bad types", () => {
  assert.equal(
    parseConnectParams({
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: "cli", version: "1", platform: "linux", mode: "cli" },
      caps: ["tool-events"],
      futureKey: true,
    }).ok,
    true,
  );
  assert.equal(parseConnectParams({ auth: { token: "t" }, clientName: "cli", clientVersion: "2026.1.29" }).ok, true);
  assert.equal(parseConnectParams(undefined).ok, true);
  const bad = parseConnectParams({ minProtocol: "four" });
  assert.equal(bad.ok, false);
  assert.match((bad as { message: string }).message, /^invalid connect params: minProtocol/);
  assert.equal(parseConnectParams({ auth: { token: "x".repeat(5000) } }).ok, false);
});

test("scopes: admin covers all, write covers read, unknown methods need admin", () => {
  assert.equal(requiredScope("health"), null);
  assert.equal(requiredScope("status"), "operator.read");
  assert.equal(requiredScope("config.set"), "operator.admin");
  assert.equal(requiredScope("something.new"), "operator.admin");
  assert.equal(hasScope(["operator.write"], "operator.read"), true);
  assert.equal(hasScope(["operator.read"], "operator.write"), false);
  assert.equal(hasScope(["operator.admin"], "operator.pairing"), true);
  assert.equal(hasScope([], null), true);
});

test("close reasons are cut to 120 bytes without splitting a character", () => {
  assert.equal(closeReason("x".repeat(200)).length, 120);
  const cut = closeReason("é".repeat(100));
  assert.ok(new TextEncoder().encode(cut).length <= 120);
  assert.ok(!cut.includes("\uFFFD"));
});
