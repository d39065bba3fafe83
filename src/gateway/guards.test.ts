import assert from "node:assert/strict";
import { test } from "node:test";
import { checkSharedSecret, safeEqualSecret } from "./auth.js";
import { checkOrigin } from "./origin.js";
import { readProcListeners } from "./port-owner.js";
import { AuthRateLimiter } from "./rate-limit.js";
import { planReload } from "./reload.js";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveGatewaySettings } from "../config/gateway-settings.js";

test("secrets compare in constant time whatever their lengths", () => {
  assert.equal(safeEqualSecret("abc", "abc"), true);
  assert.equal(safeEqualSecret("abc", "abcd"), false);
  assert.equal(safeEqualSecret("", "x"), false);
});

test("the configured secret may arrive in either wire field; the detail code names what was wrong", () => {
  const token = { mode: "token" as const, token: "t0k3n-value" };
  assert.deepEqual(checkSharedSecret(token, { token: "t0k3n-value" }), { ok: true, method: "token" });
  assert.deepEqual(checkSharedSecret(token, { password: "t0k3n-value" }), { ok: true, method: "token" });
  assert.equal((checkSharedSecret(token, { token: "x" }) as { detailCode: string }).detailCode, "AUTH_TOKEN_MISMATCH");
  assert.equal((checkSharedSecret(token, {}) as { detailCode: string }).detailCode, "AUTH_TOKEN_MISSING");
  assert.equal(
    (checkSharedSecret({ mode: "password" }, { password: "x" }) as { detailCode: string }).detailCode,
    "AUTH_PASSWORD_NOT_CONFIGURED",
  );
  assert.equal(checkSharedSecret({ mode: "none" }, {}).ok, true);
});

test("the rate limiter locks out after N failures in the window, per address, and forgets after the lockout", () => {
  let now = 0;
  const limiter = new AuthRateLimiter({ maxAttempts: 3, windowMs: 1000, lockoutMs: 5000 }, () => now);
  limiter.recordFailure("a");
  now = 2000; // the first failure left the window
  limiter.recordFailure("a");
  limiter.recordFailure("a");
  assert.equal(limiter.retryAfterMs("a"), 0);
  assert.equal(limiter.recordFailure("a"), 5000);
  assert.equal(limiter.retryAfterMs("a"), 5000);
  assert.equal(limiter.retryAfterMs("b"), 0);
  now += 5001;
  assert.equal(limiter.retryAfterMs("a"), 0);
  const bounded = new AuthRateLimiter({ maxAttempts: 3, windowMs: 1000, lockoutMs: 5000, maxEntries: 10 }, () => now);
  for (let i = 0; i < 1000; i++) bounded.recordFailure(`ip${i}`);
  assert.equal(bounded.retryAfterMs("ip0"), 0, "old entries were evicted");
});

test("a success between failures does not reset the count (a guesser shares its address with real clients)", () => {
  let now = 0;
  const limiter = new AuthRateLimiter({ maxAttempts: 3, windowMs: 1000, lockoutMs: 5000 }, () => now);
  assert.equal(limiter.recordFailure("a"), 0);
  now = 100; // a legitimate login from the same address happens here; the limiter is not told
  assert.equal(limiter.recordFailure("a"), 0);
  now = 200;
  assert.equal(limiter.recordFailure("a"), 5000, "locked out after 3 failures in the window");
  assert.equal(limiter.retryAfterMs("a"), 5000);
});

test("origins: none (not a browser), same host, or listed", () => {
  assert.deepEqual(checkOrigin(undefined, "127.0.0.1:1", []), { ok: true });
  assert.deepEqual(checkOrigin("http://127.0.0.1:1", "127.0.0.1:1", []), { ok: true });
  assert.deepEqual(checkOrigin("https://ui.example", "127.0.0.1:1", ["https://ui.example"]), { ok: true });
  assert.deepEqual(checkOrigin("https://evil.example", "127.0.0.1:1", []), { ok: false, reason: "origin not allowed" });
  assert.deepEqual(checkOrigin("null", "127.0.0.1:1", []), { ok: false, reason: "origin missing or invalid" });
  assert.deepEqual(checkOrigin("https://anything", "h", ["*"]), { ok: true });
  // Same origin counts only on hosts a DNS name cannot be rebound from: private, loopback, tailnet.
  for (const host of [
    "localhost:18789",
    "192.168.1.20:18789",
    "10.0.0.2",
    "[::1]:1",
    "gw.tail1234.ts.net",
    "100.101.1.2:18789",
    "box.local:80",
    "[fd7a:115c::1]:1",
  ])
    assert.deepEqual(checkOrigin(`http://${host}`, host, []), { ok: true }, host);
  assert.deepEqual(checkOrigin("https://gw.example.com", "gw.example.com", []), {
    ok: false,
    reason: "origin not allowed: gw.example.com is a public name",
  });
  assert.deepEqual(checkOrigin("https://gw.example.com", "gw.example.com", [], { hostHeaderFallback: true }), {
    ok: true,
  });
  assert.deepEqual(checkOrigin("http://8.8.8.8:1", "8.8.8.8:1", []).ok, false);
  assert.deepEqual(checkOrigin("http://172.32.0.1", "172.32.0.1", []).ok, false);
});

test("listening sockets are read from /proc/net/tcp and tcp6", () => {
  const root = mkdtempSync(join(tmpdir(), "oc-proc-"));
  try {
    mkdirSync(join(root, "net"));
    const header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    writeFileSync(
      join(root, "net", "tcp"),
      `${header}   0: 0100007F:4965 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1\n   1: 0100007F:4965 0100007F:D0D0 01 00000000:00000000 00:00000000 00000000     0        0 222 1\n`,
    );
    writeFileSync(
      join(root, "net", "tcp6"),
      `${header}   0: 00000000000000000000000001000000:4965 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1\n`,
    );
    assert.deepEqual(readProcListeners(18789, root), [
      { address: "127.0.0.1:18789", inode: "111" },
      { address: "[::1]:18789", inode: "333" },
    ]);
    assert.deepEqual(readProcListeners(18790, root), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("reload plans: hot unless the listener changes; off never; restart always", () => {
  const base = resolveGatewaySettings({
    env: {},
    config: { gateway: { auth: { token: "t" } } },
    paths: { defaultPort: 1 },
  });
  const moved = { ...base, port: 2 };
  const rotated = { ...base, auth: { ...base.auth, token: "u" } };
  assert.equal(planReload("hybrid", base, rotated), "hot");
  assert.equal(planReload("hybrid", base, moved), "restart");
  assert.equal(planReload("hot", base, moved), "restart-needed");
  assert.equal(planReload("off", base, moved), "none");
  assert.equal(planReload("restart", base, rotated), "restart");
});
