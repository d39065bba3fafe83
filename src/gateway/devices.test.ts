import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DeviceStore, MAX_PENDING, PENDING_TTL_MS, type DeviceInfo } from "./devices.js";

const info = (n: number): DeviceInfo => ({
  deviceId: `dev${n}`,
  publicKey: `key${n}`,
  clientId: "openclaw-control-ui",
  clientMode: "webchat",
  role: "operator",
  scopes: ["operator.read"],
  remoteIp: "192.0.2.1",
});

function withStore(run: (store: DeviceStore, dir: string, clock: { now: number }) => void) {
  const dir = mkdtempSync(join(tmpdir(), "devices-"));
  const clock = { now: 1_800_000_000_000 };
  try {
    run(new DeviceStore(dir, () => clock.now), dir, clock);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a token is stored only as its hash, in a 0600 file, and verifies in constant time", () => {
  withStore((store, dir) => {
    const { token } = store.pair(info(1));
    const file = join(dir, "devices", "paired.json");
    assert.equal(readFileSync(file, "utf8").includes(token), false);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(store.verifyToken("dev1", "operator", token), true);
    assert.equal(store.verifyToken("dev1", "operator", `${token}x`), false);
    assert.equal(store.verifyToken("dev1", "node", token), false, "tokens are per role");
    const rotated = store.rotate("dev1", "operator")!;
    assert.equal(store.verifyToken("dev1", "operator", token), false, "rotation ends the old token");
    assert.equal(store.verifyToken("dev1", "operator", rotated), true);
    assert.equal(store.revoke("dev1", "operator"), true);
    assert.equal(store.verifyToken("dev1", "operator", rotated), false);
    assert.equal(store.revoke("dev1", "operator"), false, "nothing left to revoke");
    const second = store.pair(info(2)).token;
    assert.equal(store.deviceForToken("operator", second), "dev2", "a bearer token names its device");
    assert.equal(store.deviceForToken("operator", rotated), undefined, "a revoked token names none");
    assert.equal(store.deviceForToken("node", second), undefined);
  });
});

test("requests are reused per device, expire after the TTL, are bounded, and approval issues no token", () => {
  withStore((store, _dir, clock) => {
    const first = store.request(info(1))!;
    assert.equal(store.request(info(1))!.requestId, first.requestId, "one request per device");
    for (let i = 2; i <= MAX_PENDING; i++) assert.ok(store.request(info(i)));
    assert.equal(store.request(info(MAX_PENDING + 1)), undefined, "the queue is full");
    const approved = store.approve(first.requestId)!;
    assert.equal(approved.deviceId, "dev1");
    assert.deepEqual(approved.tokens, {}, "the device gets its token at its next connect");
    assert.equal(store.approve(first.requestId), undefined, "answered once");
    assert.ok(store.request(info(MAX_PENDING + 1)), "room again");
    clock.now += PENDING_TTL_MS + 1;
    assert.deepEqual(store.pending(), [], "an hour later the requests are gone");
    assert.equal(store.remove("dev1"), true);
    assert.equal(store.find("dev1"), undefined);
  });
});

test("a damaged file is named, not silently replaced", () => {
  withStore((store, dir) => {
    store.pair(info(1));
    writeFileSync(join(dir, "devices", "paired.json"), "{not json");
    assert.throws(() => store.paired(), /paired\.json is not readable .*fix or remove it/);
  });
});

test("an upgrade request replaces a narrower one, and approving it adds to the approved scopes", () => {
  withStore((store) => {
    store.pair({ ...info(1), scopes: ["operator.read", "operator.pairing"] });
    const first = store.request({ ...info(1), scopes: ["operator.read", "operator.write"] }, "scope-upgrade")!;
    assert.equal(first.reason, "scope-upgrade");
    const same = store.request({ ...info(1), scopes: ["operator.write"] }, "scope-upgrade")!;
    assert.equal(same.requestId, first.requestId, "a subset reuses the waiting request");
    const wider = store.request({ ...info(1), scopes: ["operator.admin"] }, "scope-upgrade")!;
    assert.notEqual(wider.requestId, first.requestId, "asking for more replaces it, keeping what it asked before");
    assert.equal(store.pending().length, 1);
    const approved = store.approve(wider.requestId)!;
    assert.deepEqual(approved.scopes.toSorted(), [
      "operator.admin",
      "operator.pairing",
      "operator.read",
      "operator.write",
    ]);
    assert.deepEqual(approved.tokens, {}, "the old token does not carry the wider grant");
  });
});
