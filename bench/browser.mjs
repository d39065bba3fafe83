// Browser benchmark: from a browser call to a snapshot of a loopback page, cold (Chromium not running)
// and warm (running), median of 10 each, through the gateway's `browser.request`; and the gateway's RSS
// before the browser's first use, with it running, and after it is stopped (what the idle shutdown does),
// with Chromium's own RSS apart. Writes its table into docs/PERFORMANCE.md. Usage: npm run bench:browser
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { startReadyGateway, writeSection } from "./common.mjs";

const RUNS = 10;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)];
const rssOf = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
// Chromium's processes share most of their pages: their PSS adds up to what they really cost, RSS does not.
const pssOf = (pid) => Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))[1]) * 1024;
const mb = (b) => (b / 1048576).toFixed(1);

const page = createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "text/html" });
  res.end("<!doctype html><title>bench</title><h1>Bench</h1><button>Go</button><ul><li>one</li><li>two</li></ul>");
});
await new Promise((r) => page.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${page.address().port}/`;

const home = mkdtempSync(join(tmpdir(), "oc-bench-browser-"));
mkdirSync(join(home, ".openclaw"), { recursive: true, mode: 0o700 });
const token = randomBytes(32).toString("hex");
const port = await new Promise((resolve) => {
  const s = createNetServer();
  s.listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
writeFileSync(
  join(home, ".openclaw", "openclaw.json"),
  JSON.stringify({
    gateway: { mode: "local", port, auth: { mode: "token", token } },
    browser: { ssrfPolicy: { allowedHostnames: ["127.0.0.1"] } },
  }),
  { mode: 0o600 },
);
const child = await startReadyGateway(home, port);

const ws = new WebSocket(`ws://127.0.0.1:${port}`);
await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
const waiting = new Map();
ws.on("message", (data) => {
  const frame = JSON.parse(String(data));
  if (frame.type === "res") waiting.get(frame.id)?.(frame);
});
const call = (method, params) =>
  new Promise((resolve, reject) => {
    const id = randomBytes(4).toString("hex");
    waiting.set(id, (frame) => (frame.ok ? resolve(frame.payload) : reject(new Error(frame.error.message))));
    ws.send(JSON.stringify({ type: "req", id, method, params }));
  });
await call("connect", { minProtocol: 4, maxProtocol: 4, auth: { token } });
const browser = (method, path, body) => call("browser.request", { method, path, ...(body ? { body } : {}) });
const chromiumRss = () => {
  try {
    return execFileSync("pgrep", ["-f", "--", `--user-data-dir=${home}`], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .reduce((n, pid) => {
        try {
          return n + pssOf(Number(pid));
        } catch {
          return n;
        }
      }, 0);
  } catch {
    return 0;
  }
};

await sleep(1000);
const rssBefore = rssOf(child.pid);
const cold = [];
const warm = [];
let rssRunning = 0;
let chromium = 0;
let driver = 0;
for (let i = 0; i < RUNS; i++) {
  await browser("POST", "/stop");
  let t0 = performance.now();
  await browser("POST", "/tabs/open", { url });
  await browser("GET", "/snapshot");
  cold.push(performance.now() - t0);
  t0 = performance.now();
  await browser("POST", "/navigate", { url });
  await browser("GET", "/snapshot");
  warm.push(performance.now() - t0);
  if (i === 0) {
    await sleep(500);
    rssRunning = rssOf(child.pid);
    chromium = chromiumRss();
    driver = execFileSync("pgrep", ["-P", String(child.pid), "-f", "browser-driver"], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .reduce((n, pid) => n + rssOf(Number(pid)), 0);
  }
}
await browser("POST", "/stop");
await sleep(1500);
const rssAfter = rssOf(child.pid);
ws.close();
child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
page.close();
rmSync(home, { recursive: true, force: true });

const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, Node ${process.versions.node}, Debian Chromium headless; through \`browser.request\` on loopback, median of ${RUNS}.`,
  "",
  "| | ms |",
  "|---|---:|",
  `| cold: Chromium not running → open a loopback page → snapshot | ${median(cold).toFixed(0)} |`,
  `| warm: navigate the running browser → snapshot | ${median(warm).toFixed(0)} |`,
  "",
  "| gateway RSS | MB |",
  "|---|---:|",
  `| before the browser's first use | ${mb(rssBefore)} |`,
  `| with the browser running (one page) | ${mb(rssRunning)} (+${mb(rssRunning - rssBefore)}) |`,
  `| after it was stopped (what the idle shutdown does) | ${mb(rssAfter)} (+${mb(rssAfter - rssBefore)} over before) |`,
  `| the driver process (playwright-core and the CDP connection), while the browser runs | ${mb(driver)} RSS |`,
  `| Chromium itself (PSS of all its processes, one page) | ${mb(chromium)} |`,
  "",
  `Goal: the gateway's own memory returns after the browser stops: ${rssAfter - rssBefore < 10 * 1048576 ? "met" : "missed"}.`,
].join("\n");
console.log(table);
writeSection("browser", "Browser (`npm run bench:browser`)", table);
