// Agent turn overhead: one turn through the gateway (agent method, transcript writes, events) against
// the same streamed completion fetched directly from the model server, in the same run, on loopback.
// Usage: npm run bench:agent [-- --runs 300]
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { bin, startBenchModel, writeSection } from "./common.mjs";

const runsArg = process.argv.indexOf("--runs");
const RUNS = Math.min(1000, Math.max(20, runsArg > 0 ? Number(process.argv[runsArg + 1]) : 300));

// The model server: a fixed short streamed answer in the OpenAI format.
const model = await startBenchModel();
const modelUrl = model.url;

const token = randomBytes(32).toString("hex");
const home = mkdtempSync(join(tmpdir(), "oc-bench-agent-"));
const port = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
mkdirSync(join(home, ".openclaw"), { recursive: true, mode: 0o700 });
writeFileSync(
  join(home, ".openclaw", "openclaw.json"),
  JSON.stringify({
    gateway: { mode: "local", port, auth: { token } },
    models: { providers: { bench: { baseUrl: modelUrl, api: "openai-completions", apiKey: "k" } } },
    agents: { defaults: { model: "bench/m" } },
  }),
  { mode: 0o600 },
);
const gateway = spawn(process.execPath, [bin, "gateway"], {
  env: { PATH: process.env.PATH, HOME: home },
  stdio: ["ignore", "ignore", "pipe"],
});
let out = "";
gateway.stderr.on("data", (d) => (out += d));
for (let i = 0; i < 300 && !/ready in/.test(out); i++) await new Promise((r) => setTimeout(r, 50));

const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
const pending = new Map();
await new Promise((resolve) => {
  ws.on("message", (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.event === "connect.challenge")
      ws.send(
        JSON.stringify({
          type: "req",
          id: "c",
          method: "connect",
          params: { minProtocol: 4, maxProtocol: 4, auth: { token } },
        }),
      );
    else if (frame.id === "c") resolve();
    else if (frame.type === "res" && frame.payload?.status !== "accepted") pending.get(frame.id)?.(frame);
  });
});

async function direct() {
  const res = await fetch(`${modelUrl}/chat/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: "Bearer k" },
    body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] }),
  });
  await res.text();
}
async function viaGateway(i) {
  const id = `r${i}`;
  const done = new Promise((resolve) => pending.set(id, resolve));
  // A fresh session each time, so every turn does the same work.
  ws.send(
    JSON.stringify({
      type: "req",
      id,
      method: "agent",
      params: { message: "hi", idempotencyKey: id, sessionKey: `bench-${i}`, thinking: "off" },
    }),
  );
  const frame = await done;
  if (!frame.ok) throw new Error(frame.error.message);
}
const time = async (fn, i) => {
  const t = process.hrtime.bigint();
  await fn(i);
  return Number(process.hrtime.bigint() - t) / 1e6;
};
for (let i = 0; i < 30; i++) {
  await direct();
  await viaGateway(`warm${i}`);
}
const a = [];
const b = [];
for (let i = 0; i < RUNS; i++) {
  a.push(await time(direct, i));
  b.push(await time(viaGateway, i));
}
ws.terminate();
gateway.kill("SIGTERM");
await new Promise((r) => gateway.once("exit", r));
model.close();
rmSync(home, { recursive: true, force: true });

const q = (xs, p) => xs.toSorted((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const added50 = q(b, 0.5) - q(a, 0.5);
const added99 = q(b, 0.99) - q(a, 0.99);
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, Node ${process.versions.node}, ${RUNS} turns each, interleaved. Each gateway turn is a fresh session: transcript lines (one write each; the flush to disk of each model step runs off the event loop), session index (written behind the reply), system prompt from the workspace, events, one model call.`,
  "",
  "| path | p50 (ms) | p99 (ms) |",
  "|---|---:|---:|",
  `| direct streamed completion from the model server | ${q(a, 0.5).toFixed(2)} | ${q(a, 0.99).toFixed(2)} |`,
  `| one agent turn through the gateway (\`agent\` to final) | ${q(b, 0.5).toFixed(2)} | ${q(b, 0.99).toFixed(2)} |`,
  `| added by the gateway | ${added50.toFixed(2)} | ${added99.toFixed(2)} |`,
  "",
  `Goal: under 2 ms added at p50: ${added50 < 2 ? "met" : "missed"}.`,
].join("\n");
console.log(table);
writeSection("agent", "Agent turn overhead (`npm run bench:agent`)", table);
