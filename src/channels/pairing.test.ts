import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  generatePairingCode,
  MAX_PENDING_PER_ACCOUNT,
  PAIRING_TTL_MS,
  PairingFileError,
  PairingStore,
} from "./pairing.js";

test("codes: 8 characters without 0, O, 1 or I, unique among the pending ones", () => {
  for (let i = 0; i < 200; i++) assert.match(generatePairingCode(), /^[A-HJ-NP-Z2-9]{8}$/);
  const taken = new Set(["AAAAAAAA"]);
  assert.notEqual(generatePairingCode(taken), "AAAAAAAA");
});

test("a request per sender, at most three pending per account, expiring after an hour; approval writes the allow list", () => {
  const dir = mkdtempSync(join(tmpdir(), "oc-pairing-"));
  let now = Date.parse("2026-11-30T10:00:00Z");
  const store = new PairingStore(dir, "telegram", () => now);
  const first = store.request("default", "111", { username: "ana" });
  assert.equal(first.outcome, "created");
  assert.deepEqual(
    store.request("default", "111", {}),
    { outcome: "pending", code: first.code },
    "same code, no new reply",
  );
  for (let i = 2; i <= MAX_PENDING_PER_ACCOUNT; i++)
    assert.equal(store.request("default", `${i}00`, {}).outcome, "created");
  assert.equal(store.request("default", "999", {}).outcome, "full");
  assert.equal(store.request("work", "999", {}).outcome, "created", "the cap is per account");
  assert.equal(statSync(store.requestsPath).mode & 0o777, 0o600);

  const approved = store.approve(first.code!.toLowerCase());
  assert.equal(approved?.id, "111");
  assert.equal(approved?.meta.username, "ana");
  assert.deepEqual(store.allowed("default"), ["111"]);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "telegram-allowFrom.json"), "utf8")), {
    version: 1,
    allowFrom: ["111"],
  });
  assert.equal(statSync(join(dir, "telegram-allowFrom.json")).mode & 0o777, 0o600);
  assert.equal(store.approve(first.code!), undefined, "a code works once");
  assert.equal(store.approve(store.list("work")[0]!.code, "default"), undefined, "another account's code");
  assert.ok(store.approve(store.list("work")[0]!.code, "work"));
  assert.deepEqual(store.allowed("work"), ["999"]);
  assert.ok(readFileSync(join(dir, "telegram-work-allowFrom.json"), "utf8").includes("999"));

  now += PAIRING_TTL_MS + 1;
  assert.deepEqual(store.list(), [], "expired after an hour");
  assert.equal(store.request("default", "999", {}).outcome, "created", "room again");
});

test("a pairing file that is not ours is reported, not overwritten", () => {
  const dir = mkdtempSync(join(tmpdir(), "oc-pairing-"));
  writeFileSync(join(dir, "telegram-pairing.json"), "{ not json");
  const store = new PairingStore(dir, "telegram");
  assert.throws(() => store.request("default", "1", {}), PairingFileError);
  assert.equal(readFileSync(join(dir, "telegram-pairing.json"), "utf8"), "{ not json");
  // The upstream importer's bare-array form of the allow list is read too.
  writeFileSync(join(dir, "telegram-allowFrom.json"), '["5", 6]');
  assert.deepEqual(store.allowed("default"), ["5", "6"]);
});
