/**
 * The browser's identity code against the gateway's verifier and the fixed vector of
 * src/gateway/device-identity.test.ts: what the UI signs is what the gateway (and upstream) accept.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { verifyDeviceProof } from "../../src/gateway/device-identity.js";
import {
  IDENTITY_KEY,
  loadDeviceToken,
  loadIdentity,
  loadSharedToken,
  saveDeviceToken,
  signChallenge,
  takeTokenFromLocation,
  tokenKey,
} from "./identity.js";

class MemoryStorage {
  readonly map = new Map<string, string>();
  get length() {
    return this.map.size;
  }
  key(i: number) {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, String(v));
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
  clear() {
    this.map.clear();
  }
}
const storage = () => new MemoryStorage() as unknown as Storage;

const VECTOR = {
  d: "00BVXNHa0pa9YGG97ye3S1mdx1QavZiEgAxLa5oN524",
  x: "PKh8lGa3gQlPWsu7VxJAZ0PziQaEuUGzCC5t701NNX4",
  id: "aea85f8b5500b0e819f98361817eb994880d08f7788f938871f148a4306d6ecf",
  signature: "yXdwyhYYl_nhluiR2RuLdWmryoatjVHWk88xpw1DvZF78ECThnDD5e5G_E1JDEqQJFoMz7gDlkNsTUTgm1veDA",
};
const fields = {
  clientId: "openclaw-control-ui",
  clientMode: "webchat",
  role: "operator",
  scopes: ["operator.admin", "operator.read"],
  signedAt: 1_796_000_000_000,
  token: "",
  nonce: "nonce-123",
};

for (const [engine, subtle] of [
  ["WebCrypto", globalThis.crypto.subtle],
  ["the pure-JS fallback", undefined],
] as const) {
  test(`${engine}: a stored identity (upstream's key and shape) signs exactly the fixed vector`, async () => {
    const local = storage();
    local.setItem(
      IDENTITY_KEY,
      JSON.stringify({ version: 1, deviceId: VECTOR.id, publicKey: VECTOR.x, privateKey: VECTOR.d, createdAtMs: 1 }),
    );
    const identity = await loadIdentity(local, { subtle });
    assert.equal(identity.deviceId, VECTOR.id);
    const signed = await signChallenge(identity, fields);
    assert.deepEqual(signed, {
      id: VECTOR.id,
      publicKey: VECTOR.x,
      signature: VECTOR.signature,
      signedAt: fields.signedAt,
      nonce: fields.nonce,
    });
  });

  test(`${engine}: a new identity is kept, and the gateway accepts its signature; a damaged one is replaced`, async () => {
    const local = storage();
    const first = await loadIdentity(local, { subtle, now: 42 });
    const stored = JSON.parse(local.getItem(IDENTITY_KEY)!);
    assert.deepEqual(Object.keys(stored).toSorted(), ["createdAtMs", "deviceId", "privateKey", "publicKey", "version"]);
    assert.equal(stored.createdAtMs, 42);
    assert.equal((await loadIdentity(local, { subtle })).deviceId, first.deviceId);
    const signed = await signChallenge(first, { ...fields, token: "shared-token" });
    const verdict = verifyDeviceProof(signed, { ...fields, token: "shared-token", now: fields.signedAt });
    assert.equal(verdict.ok, true);
    // Signed for one token, presented with another: refused.
    assert.equal(verifyDeviceProof(signed, { ...fields, token: "other", now: fields.signedAt }).ok, false);

    local.setItem(IDENTITY_KEY, "{not json");
    assert.notEqual((await loadIdentity(local, { subtle })).deviceId, first.deviceId);
    // A public key that is not the private key's: not ours to sign with.
    local.setItem(IDENTITY_KEY, JSON.stringify({ ...stored, publicKey: VECTOR.x }));
    const replaced = await loadIdentity(local, { subtle });
    assert.notEqual(replaced.publicKey, VECTOR.x);
    assert.notEqual(JSON.parse(local.getItem(IDENTITY_KEY)!).publicKey, VECTOR.x, "and saved in its place");
  });
}

test("device tokens are per gateway and per device; the shared token lives in the tab's storage", () => {
  const local = storage();
  const url = "ws://127.0.0.1:18789";
  saveDeviceToken(local, url, "dev-a", "operator", { token: "tok", scopes: ["operator.read"] });
  assert.deepEqual(loadDeviceToken(local, url, "dev-a", "operator"), { token: "tok", scopes: ["operator.read"] });
  assert.equal(loadDeviceToken(local, url, "dev-b", "operator"), undefined, "another device's token");
  assert.equal(loadDeviceToken(local, "ws://10.0.0.2:18789", "dev-a", "operator"), undefined, "another gateway");
  saveDeviceToken(local, url, "dev-a", "operator", undefined);
  assert.equal(loadDeviceToken(local, url, "dev-a", "operator"), undefined);
  local.setItem(`openclaw.device.auth.v1:${url}`, "garbage");
  assert.equal(loadDeviceToken(local, url, "dev-a", "operator"), undefined);

  const tab = storage();
  tab.setItem("openclaw.control.token.v1", "legacy");
  tab.setItem(tokenKey(url), "secret");
  assert.equal(loadSharedToken(tab, url), "secret");
  assert.equal(tab.getItem("openclaw.control.token.v1"), null, "the unsuffixed legacy key is removed");
});

/** A `Location` for a URL. */
const at = (href: string) => {
  const u = new URL(href);
  return { hash: u.hash, search: u.search, pathname: u.pathname } as Location;
};

test("the token leaves the address bar: #token=, #gatewayUrl= and a legacy ?token=", () => {
  const replaced: string[] = [];
  const history = { state: null, replaceState: (_s: unknown, _t: string, url: string) => replaced.push(url) };
  assert.deepEqual(takeTokenFromLocation(at("http://h/chat#token=abc"), history as unknown as History), {
    token: "abc",
  });
  assert.deepEqual(takeTokenFromLocation(at("http://h/x/?token=q&session=main"), history as unknown as History), {
    token: "q",
  });
  assert.deepEqual(takeTokenFromLocation(at("http://h/"), history as unknown as History), {});
  assert.deepEqual(replaced, ["/chat", "/x/?session=main"]);
});
