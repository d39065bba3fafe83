/**
 * OpenClaw's own Control UI (from its npm package), served by this gateway from `gateway.controlUi.root`:
 * it signs in with the dashboard link, pairs as a local device, fetches its bootstrap JSON, and chats.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { browserUnavailable, launchBrowser, upstreamControlUi, UPSTREAM_VERSION } from "./browser.js";
import { startFakeModelServer } from "./fake-model-server.js";
import { freePort, startGateway } from "./gateway-harness.js";

const upstream = browserUnavailable ? undefined : upstreamControlUi();
const skip = browserUnavailable ?? (upstream && "unavailable" in upstream ? upstream.unavailable : undefined);

test(`OpenClaw ${UPSTREAM_VERSION}'s own Control UI signs in and chats through this gateway`, { skip }, async () => {
  const root = (upstream as { root: string }).root;
  const model = await startFakeModelServer();
  const port = await freePort();
  const gw = await startGateway({
    port,
    config: {
      gateway: { mode: "local", port, controlUi: { root } },
      models: { providers: { fake: { baseUrl: model.url, api: "openai-completions", apiKey: "k" } } },
      agents: { defaults: { model: "fake/test-model" } },
      ui: { assistant: { name: "Clawd" } },
    },
  });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const bootstrap: number[] = [];
    page.on("response", (r) => {
      if (r.url().endsWith("/control-ui-config.json")) bootstrap.push(r.status());
    });
    await page.goto(`${gw.http}/#token=${gw.token()}`);
    const composer = page.locator("textarea[placeholder^=Message]");
    await composer.waitFor({ timeout: 30_000 });
    await composer.fill("Reply with: upstream ui works here");
    await composer.press("Enter");
    await page.waitForSelector("text=upstream ui works here >> nth=1", { timeout: 30_000 });
    assert.ok(
      bootstrap.length > 0 && bootstrap.every((s) => s === 200),
      `control-ui-config.json: ${bootstrap.join(",")}`,
    );
    const paired = await gw.home.run(["devices", "list", "--json"]);
    const devices = JSON.parse(paired.stdout) as { paired: { clientId: string }[] };
    assert.ok(
      devices.paired.some((d) => d.clientId === "openclaw-control-ui"),
      paired.stdout,
    );
  } finally {
    await browser.close();
    await gw.stop();
    gw.home.cleanup();
    await model.close();
  }
});
