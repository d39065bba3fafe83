/**
 * Remote access: Tailscale Serve and Funnel through a fake `tailscale` on PATH (including Serve
 * identities checked with whois), a client through a forwarded loopback port (what `ssh -L` gives), and
 * TLS on the gateway port with a certificate made in the test.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { get as httpsGet } from "node:https";
import { createServer, connect, type Server } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import WebSocket from "ws";
import { freePort, startGateway, type RunningGateway } from "./gateway-harness.js";
import { makeHome } from "./harness.js";

const FAKES = fileURLToPath(new URL("./fakes", import.meta.url));

/** A gateway whose PATH finds the fake tailscale first; `calls()` lists what it was asked. */
async function withTailscale(
  config: Record<string, unknown>,
  fn: (gw: RunningGateway, fake: { state: string; calls: () => string[] }) => Promise<void>,
  env: Record<string, string> = {},
  afterStop?: (fake: { state: string; calls: () => string[] }) => void,
) {
  const home = makeHome();
  const state = mkdtempSync(join(home.dir, "fake-"));
  const fake = {
    state,
    calls: () => {
      try {
        return readFileSync(join(state, "calls"), "utf8").trim().split("\n");
      } catch {
        return [];
      }
    },
  };
  const port = await freePort();
  const gw = await startGateway({
    home,
    port,
    config: { gateway: { mode: "local", port, ...config } },
    env: { PATH: `${FAKES}:${process.env.PATH}`, FAKE_STATE: state, ...env },
  });
  try {
    await fn(gw, fake);
  } finally {
    await gw.stop();
    try {
      afterStop?.(fake);
    } finally {
      home.cleanup();
    }
  }
}

interface ConnectAnswer {
  ok: boolean;
  payload?: { auth?: { method: string } };
  error?: { code: string; details?: { code: string } };
}

/** A connect with the given upgrade headers and auth, answered by the gateway's first response. */
function connectWith(
  port: number,
  headers: Record<string, string>,
  auth?: Record<string, string>,
): Promise<ConnectAnswer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { headers, perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error("no answer")), 10_000);
    ws.on("error", reject);
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; event?: string; id?: string } & ConnectAnswer;
      if (frame.event === "connect.challenge")
        ws.send(
          JSON.stringify({
            type: "req",
            id: "c1",
            method: "connect",
            params: { minProtocol: 3, maxProtocol: 4, client: { id: "test", mode: "test" }, ...(auth ? { auth } : {}) },
          }),
        );
      else if (frame.id === "c1") {
        clearTimeout(timer);
        ws.terminate();
        resolve(frame);
      }
    });
  });
}

const serveHeaders = (login: string, ip: string) => ({
  "tailscale-user-login": login,
  "x-forwarded-for": ip,
  "x-forwarded-proto": "https",
  "x-forwarded-host": "gateway.tail1234.ts.net",
});

test("Tailscale Serve: turned on at start and reset on exit; Serve identities count only when whois agrees", async () => {
  await withTailscale(
    { tailscale: { mode: "serve", resetOnExit: true } },
    async (gw, fake) => {
      await gw.waitForOutput(/tailscale serve: https:\/\/.* now reaches 127\.0\.0\.1:\d+/);
      assert.ok(fake.calls().includes(`tailscale serve --bg --yes ${gw.port}`), fake.calls().join("\n"));
      assert.equal(readFileSync(join(fake.state, "tailscale-serve"), "utf8").trim(), `serve ${gw.port}`);

      writeFileSync(join(fake.state, "whois-100.101.102.103"), "alice@example.com\n");
      const alice = await connectWith(gw.port, serveHeaders("alice@example.com", "100.101.102.103"));
      assert.equal(alice.ok, true, JSON.stringify(alice));
      assert.equal(alice.payload?.auth?.method, "tailscale");
      assert.ok(fake.calls().includes("tailscale whois --json 100.101.102.103"));

      const impostor = await connectWith(gw.port, serveHeaders("mallory@example.com", "100.101.102.103"));
      assert.equal(impostor.ok, false);
      assert.equal(impostor.error?.details?.code, "AUTH_TAILSCALE_IDENTITY_MISMATCH");
      const unknown = await connectWith(gw.port, serveHeaders("alice@example.com", "100.64.9.9"));
      assert.equal(unknown.error?.details?.code, "AUTH_TAILSCALE_WHOIS_FAILED");
      // Without Tailscale's forwarding headers the identity header is just a header: a token is needed.
      const bare = await connectWith(gw.port, { "tailscale-user-login": "alice@example.com" });
      assert.equal(bare.error?.details?.code, "AUTH_TOKEN_MISSING");
      // The token still works, as always.
      const withToken = await connectWith(gw.port, {}, { token: gw.token()! });
      assert.equal(withToken.payload?.auth?.method, "token");
    },
    {},
    (fake) => {
      assert.ok(fake.calls().includes("tailscale serve reset"), fake.calls().join("\n"));
      assert.equal(readFileSync(join(fake.state, "tailscale-serve"), "utf8"), "", "reset on exit");
    },
  );
});

test("a change of gateway.tailscale.mode is applied by the restart it causes", async () => {
  await withTailscale({ tailscale: { mode: "serve" } }, async (gw, fake) => {
    await gw.waitForOutput(/tailscale serve: /);
    const set = (mode: string) =>
      gw.home.run(["config", "set", "gateway.tailscale.mode", mode], {
        env: { PATH: `${FAKES}:${process.env.PATH}`, FAKE_STATE: fake.state },
      });
    assert.equal((await set("off")).code, 0);
    await gw.waitForOutput(/tailscale serve reset \(the configuration changed\)/);
    assert.equal(readFileSync(join(fake.state, "tailscale-serve"), "utf8"), "");
    assert.equal((await set("serve")).code, 0);
    await gw.waitForOutput(/tailscale serve reset[\s\S]*tailscale serve: /);
    assert.equal(readFileSync(join(fake.state, "tailscale-serve"), "utf8").trim(), `serve ${gw.port}`);
  });
});

test("Serve identities are refused when gateway.auth.allowTailscale is off; a failed serve keeps loopback", async () => {
  await withTailscale(
    { tailscale: { mode: "serve" }, auth: { allowTailscale: false } },
    async (gw, fake) => {
      writeFileSync(join(fake.state, "whois-100.101.102.103"), "alice@example.com\n");
      const alice = await connectWith(gw.port, serveHeaders("alice@example.com", "100.101.102.103"));
      assert.equal(alice.error?.details?.code, "AUTH_TOKEN_MISSING");
      await gw.waitForOutput(
        /tailscale serve --bg --yes \d+ failed \(exit 1\): Serve is not enabled on your tailnet\.; the gateway answers on loopback only\. Check: tailscale status/,
      );
      const client = await gw.client();
      await client.close();
    },
    { FAKE_TAILSCALE_FAIL: "1" },
  );
});

test("Tailscale Funnel needs password auth and loopback; with a password it is turned on", async () => {
  const home = makeHome();
  try {
    const port = await freePort();
    mkdirSync(join(home.dir, ".openclaw"), { mode: 0o700 });
    for (const [gateway, pattern] of [
      [{ tailscale: { mode: "funnel" } }, /funnel makes the gateway public and needs password auth/],
      [
        { tailscale: { mode: "serve" }, bind: "lan", auth: { token: "t".repeat(40) } },
        /tailscale\.mode serve needs bind loopback/,
      ],
    ] as const) {
      writeFileSync(
        join(home.dir, ".openclaw", "openclaw.json"),
        JSON.stringify({ gateway: { mode: "local", port, ...gateway } }),
      );
      const r = await home.run(["gateway"], { env: { PATH: `${FAKES}:${process.env.PATH}`, FAKE_STATE: home.dir } });
      assert.equal(r.code, 78, r.stderr);
      assert.match(r.stderr, pattern);
    }
  } finally {
    home.cleanup();
  }
  const password = "a long funnel password";
  await withTailscale({ tailscale: { mode: "funnel" }, auth: { mode: "password", password } }, async (gw, fake) => {
    await gw.waitForOutput(/tailscale funnel: /);
    assert.ok(fake.calls().includes(`tailscale funnel --bg --yes ${gw.port}`));
    writeFileSync(join(fake.state, "whois-100.101.102.103"), "alice@example.com\n");
    const identity = await connectWith(gw.port, serveHeaders("alice@example.com", "100.101.102.103"));
    assert.equal(identity.error?.details?.code, "AUTH_PASSWORD_MISSING", "public traffic needs the password");
    const ok = await connectWith(gw.port, {}, { password });
    assert.equal(ok.ok, true);
  });
});

/** What `ssh -N -L <local>:127.0.0.1:<remote>` gives: a loopback port that forwards to the gateway. */
async function forward(to: number): Promise<{ port: number; server: Server }> {
  const server = createServer((client) => {
    const upstream = connect(to, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as { port: number }).port, server };
}

test("a remote client through a forwarded loopback port (SSH tunnel) with gateway.remote.url and token", async () => {
  const gw = await startGateway({ config: { gateway: { mode: "local" } } });
  const tunnel = await forward(gw.port);
  const client = makeHome();
  try {
    const write = (token: string) => {
      mkdirSync(join(client.dir, ".openclaw"), { recursive: true, mode: 0o700 });
      writeFileSync(
        join(client.dir, ".openclaw", "openclaw.json"),
        JSON.stringify({ gateway: { mode: "remote", remote: { url: `ws://127.0.0.1:${tunnel.port}`, token } } }),
        { mode: 0o600 },
      );
    };
    write(gw.token()!);
    const health = await client.run(["health", "--json"]);
    assert.equal(health.code, 0, health.stderr);
    const probe = await client.run(["gateway", "probe"]);
    assert.equal(probe.code, 0, probe.stdout + probe.stderr);
    assert.match(probe.stdout, new RegExp(`ws://127\\.0\\.0\\.1:${tunnel.port}`));
    const status = await client.run(["status"]);
    assert.match(status.stdout, /reachable|ok/i, status.stdout);
    write("0".repeat(64));
    const wrong = await client.run(["health", "--json"]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /gateway\.remote\.token/);
  } finally {
    tunnel.server.close();
    await gw.stop();
    gw.home.cleanup();
    client.cleanup();
  }
});

test(
  "TLS on the gateway port: wss:// and https:// with a certificate made here; a missing key stops the start",
  { skip: spawnSync("openssl", ["version"]).status !== 0 && "openssl is not installed (.ci/run installs it)" },
  async () => {
    const home = makeHome();
    const dir = mkdtempSync(join(home.dir, "tls-"));
    const cert = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    const made = spawnSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "2",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { encoding: "utf8" },
    );
    assert.equal(made.status, 0, made.stderr);
    const port = await freePort();
    const gw = await startGateway({
      home,
      port,
      config: { gateway: { mode: "local", port, tls: { certPath: cert, keyPath: key } } },
    });
    try {
      await gw.waitForOutput(new RegExp(`listening on wss://127\\.0\\.0\\.1:${port}`));
      const status = await new Promise<number>((resolve, reject) =>
        httpsGet({ host: "127.0.0.1", port, path: "/healthz", ca: readFileSync(cert) }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on("error", reject),
      );
      assert.equal(status, 200);
      // The CLI on this machine trusts the gateway's own certificate and speaks wss://.
      const health = await home.run(["health", "--json"]);
      assert.equal(health.code, 0, health.stderr);
      const probe = await home.run(["gateway", "probe"]);
      assert.match(probe.stdout, new RegExp(`wss://127\\.0\\.0\\.1:${port}`));
      // Plain ws:// to a TLS port gets nowhere.
      const plain = await new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}`);
        ws.on("open", () => resolve("open"));
        ws.on("error", (e) => resolve(e.message));
      });
      assert.notEqual(plain, "open");
    } finally {
      await gw.stop();
    }
    try {
      writeFileSync(
        join(home.dir, ".openclaw", "openclaw.json"),
        JSON.stringify({
          gateway: { mode: "local", port, tls: { certPath: cert, keyPath: join(dir, "missing.pem") } },
        }),
      );
      const r = await home.run(["gateway"]);
      assert.equal(r.code, 78, r.stderr);
      assert.match(r.stderr, /cannot read the TLS key .*missing\.pem: ENOENT/);
      writeFileSync(
        join(home.dir, ".openclaw", "openclaw.json"),
        JSON.stringify({ gateway: { mode: "local", port, tls: { certPath: cert } } }),
      );
      const half = await home.run(["gateway"]);
      assert.equal(half.code, 78, half.stderr);
      assert.match(half.stderr, /gateway\.tls needs both certPath and keyPath/);
    } finally {
      home.cleanup();
    }
  },
);
