import assert from "node:assert/strict";
import { test } from "node:test";
import { browserSettings, profileList, profileOf, redactCdpUrl } from "./settings.js";

const env = { HOME: "/home/u" };

test("profiles: openclaw always exists; managed ones take free ports after the base in config order", () => {
  const s = browserSettings(
    {
      profiles: {
        work: {},
        fixed: { cdpPort: 18801 },
        far: { cdpUrl: "http://localhost:9333" },
        lab: { cdpUrl: "ws://10.0.0.5:9222/devtools/browser/abc" },
        mine: { cdpUrl: "http://127.0.0.1:9444", attachOnly: true },
        "Bad Name": {},
      },
    },
    env,
    18800,
  );
  assert.deepEqual(
    s.profiles.map((p) => [p.name, p.cdpPort, p.attach]),
    [
      ["openclaw", 18800, false],
      ["work", 18802, false],
      ["fixed", 18801, false],
      ["far", 9333, false],
      ["lab", 9222, true],
      ["mine", 9444, true],
    ],
    "a loopback cdpUrl is still ours to launch unless attachOnly; a remote one is attached to; bad names are left out",
  );
  assert.equal(s.profiles.find((p) => p.name === "lab")?.cdpUrl, "ws://10.0.0.5:9222/devtools/browser/abc");
  assert.equal(s.profiles.find((p) => p.name === "far")?.cdpUrl, "http://127.0.0.1:9333");
  assert.equal(s.defaultProfile, "openclaw");
});

test("defaultProfile, the legacy browser.cdpUrl, per-profile headless and executablePath", () => {
  const s = browserSettings(
    {
      defaultProfile: "work",
      cdpUrl: "https://cdp.example.net:443?token=abc",
      headless: false,
      executablePath: "~/chrome",
      profiles: { work: { headless: true, executablePath: "/opt/c" } },
    },
    env,
    18800,
  );
  const work = profileOf(s, undefined);
  assert.equal(work.name, "work");
  assert.deepEqual([work.headless, work.headlessSource, work.executablePath], [true, "profile headless", "/opt/c"]);
  const main = profileOf(s, "openclaw");
  assert.deepEqual([main.attach, main.headless, main.executablePath], [true, false, "/home/u/chrome"]);
  assert.throws(() => profileOf(s, "nope"), /no browser profile "nope"; profiles: openclaw, work/);
  assert.equal(browserSettings({ defaultProfile: "gone" }, env, 18800).defaultProfile, "openclaw");
});

test("upstream's MCP and extension drivers are named as missing, with the way to attach instead", () => {
  const s = browserSettings(
    {
      profiles: {
        user: { driver: "existing-session" },
        relay: { driver: "extension", cdpUrl: "http://10.0.0.2:9222" },
      },
    },
    env,
    18800,
  );
  assert.throws(() => profileOf(s, "user"), /driver existing-session .* give the profile cdpUrl and attachOnly: true/);
  assert.equal(profileOf(s, "relay").attach, true, "with a cdpUrl it is attached to");
});

test("CDP URLs are shown without their credentials or tokens", () => {
  assert.equal(
    redactCdpUrl("wss://user:pw@host.example/devtools?token=s3cret"),
    "wss://***@host.example/devtools?token=***",
  );
  assert.equal(redactCdpUrl("http://127.0.0.1:18800"), "http://127.0.0.1:18800/");
  const listed = profileList(
    browserSettings({ profiles: { r: { cdpUrl: "http://a:b@10.0.0.9:9222" } } }, env, 18800),
    new Set(["r"]),
  );
  assert.deepEqual(
    (listed.profiles as Record<string, unknown>[]).map((p) => [p.name, p.running, p.isRemote, p.cdpUrl]),
    [
      ["openclaw", false, false, "http://127.0.0.1:18800/"],
      ["r", true, true, "http://***@10.0.0.9:9222/"],
    ],
  );
});
