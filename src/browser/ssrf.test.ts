import assert from "node:assert/strict";
import { test } from "node:test";
import { checkUrl, ssrfPolicy } from "./ssrf.js";

const resolveTo = (addresses: Record<string, string[]>) => async (host: string) => {
  const found = addresses[host];
  if (!found) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
  return found;
};
const dns = resolveTo({
  "example.com": ["93.184.215.14"],
  "intranet.corp": ["10.1.2.3"],
  "rebind.test": ["93.184.215.14", "127.0.0.1"],
  "docs.corp": ["10.9.9.9"],
});
const strict = ssrfPolicy(undefined);
const reason = async (url: string, policy = strict) => {
  const v = await checkUrl(url, policy, dns);
  return v.ok ? "ok" : v.reason;
};

test("the browser's SSRF policy: public only by default, every resolved address checked", async () => {
  assert.equal(await reason("https://example.com/page"), "ok");
  assert.equal(await reason("about:blank"), "ok");
  assert.match(await reason("http://127.0.0.1:8080/"), /127\.0\.0\.1, a private or local address/);
  assert.match(await reason("http://[::1]/"), /a private or local address/);
  assert.match(await reason("http://169.254.169.254/latest/meta-data"), /private or local/);
  assert.match(await reason("http://intranet.corp/"), /resolves to 10\.1\.2\.3/);
  assert.match(await reason("http://rebind.test/"), /resolves to 127\.0\.0\.1/, "one private address is enough");
  assert.match(await reason("file:///etc/passwd"), /only http and https/);
  assert.match(await reason("javascript:alert(1)"), /only http and https/);
  assert.match(await reason("http://nowhere.invalid/"), /does not resolve \(ENOTFOUND\)/);
  assert.match(await reason("not a url"), /not a URL/);
});

test("allowlist, wildcard, blocklist and the private-network switch", async () => {
  const policy = ssrfPolicy({ allowedHostnames: ["*.corp", "127.0.0.1"], blockedHostnames: ["docs.corp"] });
  assert.equal(await reason("http://intranet.corp/", policy), "ok");
  assert.equal(await reason("http://127.0.0.1:9000/", policy), "ok");
  assert.match(await reason("http://docs.corp/", policy), /blockedHostnames/, "the blocklist wins");
  const open = ssrfPolicy({ dangerouslyAllowPrivateNetwork: true, blockedHostnames: ["example.com"] });
  assert.equal(await reason("http://10.0.0.1/", open), "ok");
  assert.match(await reason("https://example.com/", open), /blockedHostnames/);
  assert.equal(ssrfPolicy({ allowPrivateNetwork: true }).allowPrivateNetwork, true, "upstream's legacy name");
});
