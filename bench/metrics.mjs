// Metrics benchmark: what a scrape of GET /metrics costs while the gateway answers RPCs, and whether
// scraping moves the RPC latency. Load: 8 clients each sending `status` back to back; phases alternate
// without and with a scraper (every 100 ms, far more often than any Prometheus), 3 rounds of each, so both
// see the same machine. Writes its table into docs/PERFORMANCE.md. Usage: npm run bench:metrics
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { startReadyGateway, writeSection } from "./common.mjs";

const CLIENTS = 8;
const PHASE_MS = 4000;
const ROUNDS = 3;
const token = randomBytes(32).toString("hex");
const home = mkdtempSync(join(tmpdir(), "oc-bench-metrics-"));
mkdirSync(join(home, ".openclaw"), { recursive: true, mode: 0o700 });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const at = (xs, q) => xs.toSorted((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

const port = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
writeFileSync(
  join(home, ".openclaw", "openclaw.json"),
  JSON.stringify({ gateway: { mode: "local", port, auth: { mode: "token", token } } }),
  { mode: 0o600 },
);
const child = await startReadyGateway(home, port);

/** A connected client that sends `status` in a loop while `running()`, recording each latency. */
async function client(record, running) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  let waiting;
  ws.on("message", (data) => {
    const frame = JSON.parse(String(data));
    if (frame.type === "res") waiting?.(frame);
  });
  const call = (method, params) =>
    new Promise((resolve) => {
      waiting = resolve;
      ws.send(JSON.stringify({ type: "req", id: randomBytes(4).toString("hex"), method, params }));
    });
  await call("connect", { minProtocol: 4, maxProtocol: 4, auth: { token } });
  // Wrapped: an async function returning the loop's promise would wait for the loop to end.
  return {
    done: (async () => {
      while (running()) {
        const t0 = performance.now();
        await call("status", {});
        record(performance.now() - t0);
      }
      ws.close();
    })(),
  };
}

/** The round trip, and the gateway's own time for it (its Server-Timing header). */
const scrape = async () => {
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
  await res.text();
  const render = Number(/dur=([\d.]+)/.exec(res.headers.get("server-timing") ?? "")?.[1]);
  return { trip: performance.now() - t0, render };
};
await scrape(); // the first scrape loads the client library: not what a steady scrape costs

const rpc = { off: [], on: [] };
const scrapes = [];
const renders = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const phase of ["off", "on"]) {
    const end = Date.now() + PHASE_MS;
    const running = () => Date.now() < end;
    const loops = await Promise.all(
      Array.from({ length: CLIENTS }, () => client((ms) => rpc[phase].push(ms), running)),
    );
    const scraper =
      phase === "on"
        ? (async () => {
            while (running()) {
              const { trip, render } = await scrape();
              scrapes.push(trip);
              renders.push(render);
              await sleep(100);
            }
          })()
        : Promise.resolve();
    await Promise.all([...loops.map((l) => l.done), scraper]);
  }
}
child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
rmSync(home, { recursive: true, force: true });

const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, Node ${process.versions.node}; gateway with its service flags, ${CLIENTS} clients sending \`status\` back to back, ${ROUNDS} rounds of ${PHASE_MS / 1000} s without and with a scrape every 100 ms.`,
  "",
  "| | p50 (ms) | p99 (ms) | samples | goal |",
  "|---|---:|---:|---:|---|",
  `| one scrape: the gateway's time to render it (Server-Timing) | ${at(renders, 0.5).toFixed(2)} | ${at(renders, 0.99).toFixed(2)} | ${renders.length} | under 2 ms: ${at(renders, 0.99) < 2 ? "met" : "missed"} |`,
  `| one scrape: HTTP round trip, queued behind the load | ${at(scrapes, 0.5).toFixed(2)} | ${at(scrapes, 0.99).toFixed(2)} | ${scrapes.length} | |`,
  `| RPC \`status\`, nobody scraping | ${at(rpc.off, 0.5).toFixed(2)} | ${at(rpc.off, 0.99).toFixed(2)} | ${rpc.off.length} | |`,
  `| RPC \`status\`, scraped every 100 ms | ${at(rpc.on, 0.5).toFixed(2)} | ${at(rpc.on, 0.99).toFixed(2)} | ${rpc.on.length} | p99 not moved: ${at(rpc.on, 0.99) <= at(rpc.off, 0.99) * 1.1 + 0.2 ? "met" : "missed"} |`,
].join("\n");
console.log(table);
writeSection("metrics", "Metrics (`npm run bench:metrics`)", table);
