import assert from "node:assert/strict";
import { test } from "node:test";
import { getAtPath, KeyPathError, parseKeyPath } from "./key-path.js";

test("dots, indexes and quoted keys", () => {
  assert.deepEqual(parseKeyPath("gateway.port"), ["gateway", "port"]);
  assert.deepEqual(parseKeyPath("agents.list[0].id"), ["agents", "list", 0, "id"]);
  assert.deepEqual(parseKeyPath('models.providers["my.provider"].apiKey'), [
    "models",
    "providers",
    "my.provider",
    "apiKey",
  ]);
  assert.deepEqual(parseKeyPath("a[1][2]"), ["a", 1, 2]);
});

test("malformed and hostile paths are refused with examples", () => {
  for (const bad of [
    "",
    ".a",
    "a..b",
    "a.",
    "a[",
    "a[x]",
    "a[-1]",
    "__proto__.x",
    "a.constructor",
    "a.prototype",
    "x".repeat(2000),
  ]) {
    assert.throws(() => parseKeyPath(bad), KeyPathError, JSON.stringify(bad));
  }
});

test("getAtPath follows own properties only", () => {
  const doc = { a: { b: [1, { c: 2 }] } };
  assert.equal(getAtPath(doc, ["a", "b", 1, "c"]), 2);
  assert.equal(getAtPath(doc, ["a", "toString"]), undefined);
  assert.equal(getAtPath(doc, ["a", "b", 5]), undefined);
  assert.equal(getAtPath(doc, ["a", "b", 0, "x"]), undefined);
});
