/**
 * Devices (issue 12): a browser-like client with an Ed25519 identity signs the challenge; a direct loopback
 * client is paired at once and gets a device token; one behind a proxy waits for `openclaw devices
 * approve`; a Control UI without identity is refused; a revoked token no longer opens the gateway.
 */
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { deviceAuthPayload } from "../../src/protocol/device.js";
import { startGateway, type RunningGateway } from "./gateway-harness.js";
import { RawWs } from "./raw-ws.js";

function makeDevice() {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const x = publicKey.export({ format: "jwk" }).x!;
  const id = createHash("sha256").update(Buffer.from(x, "base64url")).digest("hex");
  return { privateKey, x, id };
}

const SCOPES = ["operator.admin", "operator.read", "operator.write", "operator.pairing"];

/** One connect as the Control UI does it; resolves with the connect answer and the socket. */
async function connectAsUi(
  gw: RunningGateway,
  device: ReturnType<typeof makeDevice> | undefined,
  auth: { token?: string; deviceToken?: string },
  headers: Record<string, string> = {},
  scopes: readonly string[] = SCOPES,
) {
  const ws = await RawWs.open(gw.port, { headers });
  await ws.waitFor(() => ws.messages().length > 0);
  const challenge = ws.messages()[0]!.payload as { nonce: string; ts: number };
  const client = { id: "openclaw-control-ui", version: "test", platform: "web", mode: "webchat" };
  const proof = device && {
    id: device.id,
    publicKey: device.x,
    signedAt: challenge.ts,
    nonce: challenge.nonce,
    signature: sign(
      null,
      Buffer.from(
        deviceAuthPayload({
          deviceId: device.id,
          clientId: client.id,
          clientMode: client.mode,
          role: "operator",
          scopes: [...scopes],
          signedAt: challenge.ts,
          token: auth.token ?? auth.deviceToken ?? "",
          nonce: challenge.nonce,
        }),
      ),
      device.privateKey,
    ).toString("base64url"),
  };
  ws.sendJson({
    type: "req",
    id: "c",
    method: "connect",
    params: {
      minProtocol: 4,
      maxProtocol: 4,
      client,
      role: "operator",
      scopes,
      auth,
      ...(proof ? { device: proof } : {}),
    },
  });
  await ws.waitFor(() => ws.messages().some((m) => m.id === "c"));
  const res = ws.messages().find((m) => m.id === "c") as {
    ok: boolean;
    payload?: { auth?: { deviceToken?: string; method?: string } };
    error?: { code: string; details?: { code?: string; requestId?: string; reason?: string } };
  };
  ws.destroy();
  return res;
}

test("devices: local pairing with a token, approval for a proxied browser, identity required, revoke", async () => {
  const gw = await startGateway();
  try {
    const token = gw.token()!;
    // A Control UI without a device identity is refused, even with the right secret on loopback.
    const bare = await connectAsUi(gw, undefined, { token });
    assert.equal(bare.ok, false);
    assert.equal(bare.error?.details?.code, "CONTROL_UI_DEVICE_IDENTITY_REQUIRED");

    // A direct loopback browser is paired at once and handed its device token.
    const local = makeDevice();
    const first = await connectAsUi(gw, local, { token });
    assert.equal(first.ok, true, JSON.stringify(first.error));
    const deviceToken = first.payload?.auth?.deviceToken;
    assert.match(deviceToken ?? "", /^[\w-]{43}$/);
    const again = await connectAsUi(gw, local, { deviceToken: deviceToken! });
    assert.equal(again.ok, true, "the device token stands in for the shared secret");
    assert.equal(again.payload?.auth?.method, "device-token");
    assert.equal(again.payload?.auth?.deviceToken, undefined, "handed over once");

    // Behind a proxy (a phone over the LAN): pairing required, approved from the CLI, then it connects.
    const phone = makeDevice();
    const proxied = { "X-Forwarded-For": "192.0.2.40" };
    // The request is announced to operators who may approve it, and only to them.
    const approver = await gw.client({ scopes: ["operator.pairing"] });
    const reader = await gw.client({ scopes: ["operator.read"] });
    const seen = { approver: [] as string[], reader: [] as string[] };
    approver.onEvent((e) => seen.approver.push(e.event));
    reader.onEvent((e) => seen.reader.push(e.event));
    const waiting = await connectAsUi(gw, phone, { token }, proxied);
    assert.equal(waiting.ok, false);
    assert.equal(waiting.error?.code, "NOT_PAIRED");
    assert.equal(waiting.error?.details?.code, "PAIRING_REQUIRED");
    const requestId = waiting.error?.details?.requestId;
    assert.ok(requestId);
    for (let i = 0; i < 100 && !seen.approver.includes("device.pair.requested"); i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.ok(seen.approver.includes("device.pair.requested"), "an approver hears of it");
    const retry = await connectAsUi(gw, phone, { token }, proxied);
    assert.equal(retry.error?.details?.requestId, requestId, "a retry waits on the same request");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(seen.approver.filter((e) => e === "device.pair.requested").length, 1, "announced once");
    assert.equal(seen.reader.includes("device.pair.requested"), false, "a read-only client does not");
    await approver.close();
    await reader.close();
    const listed = JSON.parse(
      (await gw.home.run(["devices", "list", "--json"], { env: { OPENCLAW_GATEWAY_PORT: String(gw.port) } })).stdout,
    ) as {
      pending: { requestId: string; deviceId: string }[];
      paired: { deviceId: string }[];
    };
    assert.deepEqual(
      listed.pending.map((p) => p.requestId),
      [requestId],
    );
    assert.ok(listed.paired.some((d) => d.deviceId === local.id));
    const approve = await gw.home.run(["devices", "approve", requestId!], {
      env: { OPENCLAW_GATEWAY_PORT: String(gw.port) },
    });
    assert.equal(approve.code, 0, approve.stderr);
    const admitted = await connectAsUi(gw, phone, { token }, proxied);
    assert.equal(admitted.ok, true, JSON.stringify(admitted.error));
    const phoneToken = admitted.payload?.auth?.deviceToken;
    assert.ok(phoneToken, "its token, at its first connect after approval");

    // Its token opens the gateway for what was approved; asking for more is an upgrade to approve.
    const wider = [...SCOPES, "operator.approvals"];
    const upgrade = await connectAsUi(gw, phone, { deviceToken: phoneToken }, proxied, wider);
    assert.equal(upgrade.error?.details?.code, "PAIRING_REQUIRED");
    assert.equal(upgrade.error?.details?.reason, "scope-upgrade");
    const narrower = await connectAsUi(gw, phone, { deviceToken: phoneToken }, proxied, ["operator.read"]);
    assert.equal(narrower.ok, true, "fewer scopes than approved need nothing");
    const env = { OPENCLAW_GATEWAY_PORT: String(gw.port) };
    const upgradeList = await gw.home.run(["devices", "list"], { env });
    assert.match(upgradeList.stdout, /scope-upgrade: operator .*operator\.approvals/);
    assert.equal((await gw.home.run(["devices", "approve", upgrade.error!.details!.requestId!], { env })).code, 0);
    const upgraded = await connectAsUi(gw, phone, { token }, proxied, wider);
    assert.equal(upgraded.ok, true, JSON.stringify(upgraded.error));
    assert.ok(upgraded.payload?.auth?.deviceToken, "a new token for the wider grant");

    // A bad signature is refused and counted; a revoked token no longer opens the gateway.
    const forged = await connectAsUi(gw, { ...phone, privateKey: makeDevice().privateKey }, { token }, proxied);
    assert.equal(forged.error?.details?.code, "DEVICE_AUTH_SIGNATURE_INVALID");
    const revoke = await gw.home.run(["devices", "revoke", local.id], {
      env: { OPENCLAW_GATEWAY_PORT: String(gw.port) },
    });
    assert.equal(revoke.code, 0, revoke.stderr);
    const stale = await connectAsUi(gw, local, { deviceToken: deviceToken! });
    assert.equal(stale.ok, false);
    assert.equal(stale.error?.details?.code, "AUTH_DEVICE_TOKEN_MISMATCH");

    // A damaged pairing file is named to the client (and logged); the gateway keeps serving.
    writeFileSync(join(gw.stateDir, "devices", "paired.json"), "{not json");
    const damaged = await connectAsUi(gw, local, { token });
    assert.equal(damaged.ok, false);
    assert.match(JSON.stringify(damaged.error), /UNAVAILABLE.*paired\.json is not readable/);
    const health = await fetch(`http://127.0.0.1:${gw.port}/healthz`);
    assert.equal(health.status, 200);
  } finally {
    await gw.stop();
    gw.home.cleanup();
  }
});
