// Control UI benchmark, in headless Chromium on loopback, ours beside OpenClaw's own UI (its npm package's
// build, served by the same gateway binary from gateway.controlUi.root, so only the UI differs). For each:
// median of fresh visits (a new browser context, empty cache) of (1) bytes transferred (compressed, as
// Chromium counts them) until the chat box is usable, (2) time from navigation until then, (3) time from
// Enter until the fake model's reply is shown, minus the model's own time. Then our build's size on disk
// and the gateway's RSS with 10 tabs of our UI open beside none. Writes its table into docs/PERFORMANCE.md.
// Usage: npm run bench:ui [-- --visits 10]
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { bin, numericArg, root, startBenchModel, writeSection } from "./common.mjs";
import { browserUnavailable, launchBrowser, upstreamControlUi, UPSTREAM_VERSION } from "../test/e2e/browser.ts";

const VISITS = Math.min(50, Math.max(3, numericArg("--visits", 10)));
const TABS = 10;
const GATEWAY_NODE_FLAGS = ["--max-semi-space-size=4"]; // as the service definitions run it
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)];
const rssOf = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
if (browserUnavailable) throw new Error(browserUnavailable);

const upstream = upstreamControlUi();
const model = await startBenchModel();
const browser = await launchBrowser();

/** What "the chat box is usable" means for each UI: the composer is on screen and takes input. */
const UIS = {
  ours: { root: undefined, composer: "textarea[name=message]:not([disabled])" },
  ...("root" in upstream
    ? { openclaw: { root: upstream.root, composer: "textarea[placeholder^=Message]:not([disabled])" } }
    : {}),
};

async function startGateway(uiRoot) {
  const dir = mkdtempSync(join(tmpdir(), "oc-bench-ui-"));
  const token = randomBytes(32).toString("hex");
  mkdirSync(join(dir, ".openclaw"), { recursive: true, mode: 0o700 });
  const probe = createServer();
  await new Promise((r) => probe.listen(0, "127.0.0.1", r));
  const port = probe.address().port;
  await new Promise((r) => probe.close(r));
  writeFileSync(
    join(dir, ".openclaw", "openclaw.json"),
    JSON.stringify({
      gateway: { mode: "local", port, auth: { token }, ...(uiRoot ? { controlUi: { root: uiRoot } } : {}) },
      models: { providers: { bench: { baseUrl: model.url, api: "openai-completions", apiKey: "k" } } },
      agents: { defaults: { model: "bench/m", thinking: "off" } },
    }),
    { mode: 0o600 },
  );
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, bin, "gateway", "--port", String(port)], {
    env: { PATH: process.env.PATH, HOME: dir },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr.resume();
  for (let i = 0; i < 2500; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(4);
  }
  return {
    child,
    url: `http://127.0.0.1:${port}/#token=${token}`,
    stop: async () => {
      await new Promise((r) => (child.once("exit", r), child.kill("SIGTERM")));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One fresh visit, timed inside the page (no driver round trips in the figures): the first frame where
 * the composer is visible and enabled, the bytes of every resource finished by then (Resource Timing's
 * transferSize: headers and compressed body), then one turn from the Enter keydown to the frame where
 * the answer's text is on the page.
 */
async function visit(gw, ui, visitNo) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript((selector) => {
    const usable = () => {
      const el = document.querySelector(selector);
      return el && !el.disabled && el.getClientRects().length > 0;
    };
    const tick = () => {
      if (usable()) {
        const at = performance.now();
        const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
        window.benchUsable = {
          at,
          bytes: entries.filter((e) => e.responseEnd <= at).reduce((n, e) => n + e.transferSize, 0),
        };
      } else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }, ui.composer);
  const page = await context.newPage();
  await page.goto(gw.url);
  const usable = await (
    await page.waitForFunction(() => window.benchUsable, undefined, { timeout: 60_000 })
  ).jsonValue();
  await page.waitForTimeout(300); // let the page finish its start-up requests, as a person would
  const composer = page.locator(ui.composer).first();
  await composer.fill(`question ${visitNo}`);
  await page.evaluate(() => {
    // oxlint-disable-next-line unicorn/consistent-function-scoping -- this runs in the page, where nothing else is
    const count = () => (document.body.textContent.match(/benchmark answer/g) ?? []).length;
    const before = count();
    window.benchReply = new Promise((resolve) => {
      document.addEventListener(
        "keydown",
        (e) => {
          if (e.key !== "Enter") return;
          const start = performance.now();
          const tick = () => (count() > before ? resolve(performance.now() - start) : requestAnimationFrame(tick));
          requestAnimationFrame(tick);
        },
        { capture: true, once: true },
      );
    });
  });
  const before = model.times.length;
  await composer.press("Enter");
  const shownMs = await page.evaluate(() => window.benchReply);
  const replyMs = shownMs - model.times.slice(before).reduce((a, b) => a + b, 0);
  await context.close();
  return { usableMs: usable.at, usableBytes: usable.bytes, replyMs };
}

const results = {};
for (const [name, ui] of Object.entries(UIS)) {
  console.log(`${name}: ${VISITS} fresh visits ...`);
  const gw = await startGateway(ui.root);
  await visit(gw, ui, 0); // warm-up: the gateway's first turn loads the agent code
  const runs = [];
  for (let i = 1; i <= VISITS; i++) runs.push(await visit(gw, ui, i));
  await gw.stop();
  results[name] = {
    bytes: median(runs.map((r) => r.usableBytes)),
    usableMs: median(runs.map((r) => r.usableMs)),
    replyMs: median(runs.map((r) => r.replyMs)),
  };
}

console.log(`RSS with ${TABS} tabs of our UI ...`);
const gw = await startGateway(undefined);
await sleep(1000);
const idleRss = rssOf(gw.child.pid);
const context = await browser.newContext();
for (let i = 0; i < TABS; i++) {
  const page = await context.newPage();
  await page.goto(gw.url);
  await page.locator(UIS.ours.composer).waitFor({ timeout: 60_000 });
}
await sleep(3000);
const tabsRss = rssOf(gw.child.pid);
await context.close();
await gw.stop();
await browser.close();
model.close();

const built = join(root, "dist", "control-ui");
const files = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
const rawSize = (dir) =>
  files(dir)
    .filter((f) => !/\.(br|gz)$/.test(f))
    .reduce((n, f) => n + statSync(f).size, 0);
const kb = (b) => `${(b / 1024).toFixed(0)} KB`;
const row = (label, fn, goal) =>
  `| ${label} | ${fn(results.ours)} | ${results.openclaw ? fn(results.openclaw) : "not measured"} | ${goal} |`;
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, Node ${process.versions.node}, headless Chromium ${browser.version()}; median of ${VISITS} fresh visits (new browser context, empty cache) over loopback, the same gateway build serving each UI, a fake model.`,
  "",
  `| | ours | OpenClaw ${UPSTREAM_VERSION}'s UI | goal |`,
  "|---|---|---|---|",
  row("transferred until the chat box is usable (compressed)", (r) => kb(r.bytes), "< 80 KB"),
  row("navigation until the chat box is usable", (r) => `${r.usableMs.toFixed(0)} ms`, "< 300 ms"),
  row("Enter until the reply is shown, minus the model's time", (r) => `${r.replyMs.toFixed(0)} ms`, "< 50 ms"),
  `| built UI on disk (without .br/.gz) | ${kb(rawSize(built))} | ${"root" in upstream ? kb(rawSize(upstream.root)) : "not measured"} | < 500 KB |`,
  `| gateway RSS, ${TABS} tabs open vs none | +${((tabsRss - idleRss) / 1048576).toFixed(1)} MB (${(idleRss / 1048576).toFixed(1)} → ${(tabsRss / 1048576).toFixed(1)} MB) | | < 10 MB |`,
  ...("unavailable" in upstream ? ["", `OpenClaw's UI was not measured: ${upstream.unavailable}.`] : []),
].join("\n");
console.log(`\n${table}`);
writeSection("ui", "Control UI (`npm run bench:ui`)", table);
