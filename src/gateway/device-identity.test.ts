import assert from "node:assert/strict";
import { createPrivateKey, sign } from "node:crypto";
import { test } from "node:test";
import { deviceAuthPayload } from "../protocol/device.js";
import { deviceIdOf, MAX_SKEW_MS, verifyDeviceProof, type DeviceProof } from "./device-identity.js";

// A fixed Ed25519 key and the signature upstream's client format gives (Ed25519 signatures are deterministic).
const VECTOR = {
  d: "00BVXNHa0pa9YGG97ye3S1mdx1QavZiEgAxLa5oN524",
  x: "PKh8lGa3gQlPWsu7VxJAZ0PziQaEuUGzCC5t701NNX4",
  id: "aea85f8b5500b0e819f98361817eb994880d08f7788f938871f148a4306d6ecf",
  signedAt: 1_796_000_000_000,
  nonce: "nonce-123",
  signature: "yXdwyhYYl_nhluiR2RuLdWmryoatjVHWk88xpw1DvZF78ECThnDD5e5G_E1JDEqQJFoMz7gDlkNsTUTgm1veDA",
};
const expected = {
  nonce: VECTOR.nonce,
  clientId: "openclaw-control-ui",
  clientMode: "webchat",
  role: "operator",
  scopes: ["operator.admin", "operator.read"],
  token: "",
  now: VECTOR.signedAt + 1000,
};
const device: DeviceProof = {
  id: VECTOR.id,
  publicKey: VECTOR.x,
  signature: VECTOR.signature,
  signedAt: VECTOR.signedAt,
  nonce: VECTOR.nonce,
};

test("the v2 payload and the device id, against a fixed vector", () => {
  assert.equal(deviceIdOf(VECTOR.x), VECTOR.id);
  assert.equal(
    deviceAuthPayload({ deviceId: VECTOR.id, ...expected, signedAt: VECTOR.signedAt }),
    `v2|${VECTOR.id}|openclaw-control-ui|webchat|operator|operator.admin,operator.read|1796000000000||nonce-123`,
  );
  const key = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", d: VECTOR.d, x: VECTOR.x }, format: "jwk" });
  const payload = deviceAuthPayload({ deviceId: VECTOR.id, ...expected, signedAt: VECTOR.signedAt });
  assert.equal(sign(null, Buffer.from(payload), key).toString("base64url"), VECTOR.signature);
  assert.deepEqual(verifyDeviceProof(device, expected), { ok: true, deviceId: VECTOR.id, publicKey: VECTOR.x });
});

test("refusals: another challenge's nonce, a stale or future signature, a wrong id, key or signature, other fields", () => {
  const code = (d: typeof device, e = expected) => {
    const r = verifyDeviceProof(d, e);
    return r.ok ? "ok" : r.code;
  };
  assert.equal(
    code(device, { ...expected, nonce: "nonce-456" }),
    "DEVICE_AUTH_NONCE_MISMATCH",
    "a nonce from another connection",
  );
  assert.equal(code({ ...device, nonce: undefined }), "DEVICE_AUTH_NONCE_REQUIRED");
  assert.equal(code(device, { ...expected, now: VECTOR.signedAt + MAX_SKEW_MS + 1 }), "DEVICE_AUTH_SIGNATURE_EXPIRED");
  assert.equal(code(device, { ...expected, now: VECTOR.signedAt - MAX_SKEW_MS - 1 }), "DEVICE_AUTH_SIGNATURE_EXPIRED");
  assert.equal(code({ ...device, id: "0".repeat(64) }), "DEVICE_AUTH_DEVICE_ID_MISMATCH");
  assert.equal(code({ ...device, publicKey: "short" }), "DEVICE_AUTH_PUBLIC_KEY_INVALID");
  assert.equal(code({ ...device, signature: `${VECTOR.signature.slice(0, -2)}AA` }), "DEVICE_AUTH_SIGNATURE_INVALID");
  assert.equal(code({ ...device, signature: "!!" }), "DEVICE_AUTH_SIGNATURE_INVALID");
  // The signature covers the role, scopes, client and token: any other value fails.
  assert.equal(code(device, { ...expected, scopes: ["operator.admin"] }), "DEVICE_AUTH_SIGNATURE_INVALID");
  assert.equal(code(device, { ...expected, token: "x" }), "DEVICE_AUTH_SIGNATURE_INVALID");
  assert.equal(code(device, { ...expected, clientId: "cli" }), "DEVICE_AUTH_SIGNATURE_INVALID");
});
