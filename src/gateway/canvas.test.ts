import assert from "node:assert/strict";
import { test } from "node:test";
import { CAPABILITY_TTL_MS, CanvasCapabilities, capabilityUrl } from "./canvas.js";

test("canvas capabilities: random, valid until their time is up, unknown ones refused", () => {
  let now = 1_000_000;
  const caps = new CanvasCapabilities(() => now);
  const first = caps.mint();
  const second = caps.mint();
  assert.notEqual(first.token, second.token);
  assert.match(first.token, /^[\w-]{43}$/, "256 bits, base64url");
  assert.equal(first.expiresAtMs, now + CAPABILITY_TTL_MS);
  assert.equal(caps.valid(first.token), true);
  assert.equal(caps.valid(`${first.token}x`), false);
  assert.equal(caps.valid(""), false);
  now += CAPABILITY_TTL_MS - 1;
  assert.equal(caps.valid(first.token), true);
  now += 1;
  assert.equal(caps.valid(first.token), false, "expired at its expiresAtMs");
  assert.equal(capabilityUrl("https://gw.example.ts.net", "abc"), "https://gw.example.ts.net/__openclaw__/cap/abc/");
});
