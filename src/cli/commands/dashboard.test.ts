import assert from "node:assert/strict";
import { test } from "node:test";
import { dashboardUrls } from "./dashboard.js";

test("the dashboard link: http(s) for ws(s), the base path, the token only in the fragment", () => {
  assert.deepEqual(dashboardUrls("ws://127.0.0.1:18789", "a b+c"), {
    httpUrl: "http://127.0.0.1:18789/",
    url: "http://127.0.0.1:18789/#token=a%20b%2Bc",
    wsUrl: "ws://127.0.0.1:18789",
  });
  assert.deepEqual(dashboardUrls("wss://box.tail1.ts.net/?x=1", undefined, "/admin/"), {
    httpUrl: "https://box.tail1.ts.net/admin/",
    url: "https://box.tail1.ts.net/admin/",
    wsUrl: "wss://box.tail1.ts.net/admin",
  });
});
