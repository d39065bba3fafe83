// Gateway benchmark: our gateway beside a floor (a bare node:http + ws server, bench/floor-server.mjs)
// in the same run, on loopback only. Writes its tables into docs/PERFORMANCE.md.
// Usage: npm run bench:gateway [-- --idle-seconds 60]
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { bin, numericArg, root, writeSection } from "./common.mjs";

const arg = numericArg;
const IDLE_SECONDS = Math.min(600, Math.max(5, arg("--idle-seconds", 60)));
const COLD_RUNS = 10;
const token = randomBytes(32).toString("hex");
const home = mkdtempSync(join(tmpdir(), "oc-bench-gw-"));
mkdirSync(join(home, ".openclaw"), { recursive: true, mode: 0o700 });
writeFileSync(
  join(home, ".openclaw", "openclaw.json"),
  JSON.stringify({ gateway: { mode: "local", auth: { mode: "token", token } } }),
  { mode: 0o600 },
);
const env = { PATH: process.env.PATH, HOME: home };

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stats = (xs) => {
  const s = xs.toSorted((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { min: s[0], p50: at(0.5), p99: at(0.99), max: s[s.length - 1] };
};
const rssOf = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
const mb = (bytes) => (bytes / 1048576).toFixed(1);

// The gateway as its service definitions run it (src/service/spec.ts, GATEWAY_NODE_FLAGS; the Docker image
// sets the same in NODE_OPTIONS), and as a bare `openclaw gateway` in a terminal runs it.
const GATEWAY_NODE_FLAGS = ["--max-semi-space-size=4"];
const servers = {
  gateway: (port) => [...GATEWAY_NODE_FLAGS, bin, "gateway", "--port", String(port)],
  "gateway-foreground": (port) => [bin, "gateway", "--port", String(port)],
  floor: (port) => [join(root, "bench", "floor-server.mjs"), String(port)],
};

async function start(kind) {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, servers[kind](port), { env, stdio: ["ignore", "ignore", "pipe"] });
  child.stderr.resume();
  for (let i = 0; i < 4000; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.status === 200) {
        await res.arrayBuffer();
        return { child, port, readyMs: Number(process.hrtime.bigint() - started) / 1e6 };
      }
    } catch {
      // not listening yet
    }
    await sleep(2);
  }
  child.kill("SIGKILL");
  throw new Error(`${kind} did not become ready`);
}

async function stop(server) {
  server.child.kill("SIGTERM");
  await new Promise((r) => server.child.once("exit", r));
}

/** A minimal protocol client: waits for the challenge, connects, then sends requests by id. */
function connect(port) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    const pending = new Map();
    let next = 1;
    ws.on("error", reject);
    ws.on("close", (code) => reject(new Error(`closed during the handshake (${code})`)));
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === "event" && frame.event === "connect.challenge") {
        ws.send(
          JSON.stringify({
            type: "req",
            id: "c",
            method: "connect",
            params: {
              minProtocol: 4,
              maxProtocol: 4,
              client: { id: "bench", version: "1", platform: "linux", mode: "test" },
              scopes: ["operator.read"],
              auth: { token },
            },
          }),
        );
      } else if (frame.type === "res" && frame.id === "c") {
        if (!frame.ok) reject(new Error(frame.error.message));
        else
          resolve({
            ws,
            call: (method) =>
              new Promise((res) => {
                const id = String(next++);
                pending.set(id, res);
                ws.send(JSON.stringify({ type: "req", id, method, params: {} }));
              }),
          });
      } else if (frame.type === "res") {
        pending.get(frame.id)?.(frame);
        pending.delete(frame.id);
      }
    });
  });
}

async function roundTrips(port, connections, callsEach) {
  const clients = await Promise.all(Array.from({ length: connections }, () => connect(port)));
  const latencies = [];
  const started = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < callsEach; i++) {
        const t = process.hrtime.bigint();
        await c.call("health");
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const c of clients) c.ws.terminate();
  return { ...stats(latencies), rps: latencies.length / seconds };
}

async function idleConnections(kind, count) {
  const server = await start(kind);
  const before = rssOf(server.child.pid);
  const started = process.hrtime.bigint();
  const clients = [];
  for (let i = 0; i < count; i += 100)
    clients.push(...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, () => connect(server.port)))));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await sleep(1000);
  const after = rssOf(server.child.pid);
  for (const c of clients) c.ws.terminate();
  await stop(server);
  return { ms, before, after };
}

function cliTimes(port, runs) {
  const cases = [
    ["node -e 0", ["-e", "0"], null],
    ["openclaw health --json", [bin, "health", "--json"], 1.5],
    ["openclaw gateway probe", [bin, "gateway", "probe"], 1.5],
    ["openclaw status", [bin, "status"], 1.8],
  ];
  const cliEnv = { ...env, OPENCLAW_GATEWAY_PORT: String(port) };
  const samples = new Map(cases.map(([name]) => [name, []]));
  for (let i = 0; i < runs + 2; i++) {
    for (const [name, args] of cases) {
      const t = process.hrtime.bigint();
      const r = spawnSync(process.execPath, args, { env: cliEnv, stdio: ["ignore", "pipe", "pipe"] });
      if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
      if (i >= 2) samples.get(name).push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  const floor = stats(samples.get("node -e 0")).p50;
  return cases.map(([name, , goal]) => ({
    name,
    ...stats(samples.get(name)),
    ratio: stats(samples.get(name)).p50 / floor,
    goal,
  }));
}

const results = {};
console.log("cold start ...");
for (const kind of ["floor", "gateway"]) results[`cold-${kind}`] = [];
for (let i = 0; i < COLD_RUNS; i++) {
  for (const kind of ["floor", "gateway"]) {
    const s = await start(kind);
    results[`cold-${kind}`].push(s.readyMs);
    await stop(s);
  }
}

console.log(`RSS at ready and after ${IDLE_SECONDS} s idle ...`);
const [floorIdle, gatewayIdle] = await Promise.all(["floor", "gateway"].map((k) => start(k)));
await sleep(500);
const rssReady = { floor: rssOf(floorIdle.child.pid), gateway: rssOf(gatewayIdle.child.pid) };

console.log("health round trips ...");
const rpc = {};
for (const [kind, server] of [
  ["floor", floorIdle],
  ["gateway", gatewayIdle],
]) {
  rpc[`${kind}-1`] = await roundTrips(server.port, 1, 2000);
  rpc[`${kind}-100`] = await roundTrips(server.port, 100, 50);
}

console.log("CLI commands against the running gateway ...");
const cli = cliTimes(gatewayIdle.port, 20);

const waited = Date.now();
while (Date.now() - waited < IDLE_SECONDS * 1000) await sleep(1000);
const rssIdle = { floor: rssOf(floorIdle.child.pid), gateway: rssOf(gatewayIdle.child.pid) };
await Promise.all([stop(floorIdle), stop(gatewayIdle)]);

console.log("1000 idle connections ...");
const idle = {
  floor: await idleConnections("floor", 1000),
  gateway: await idleConnections("gateway", 1000),
  foreground: await idleConnections("gateway-foreground", 1000),
};
const perConnection = (r) => (r.after - r.before) / 1000 / 1024;
rmSync(home, { recursive: true, force: true });

const cold = { floor: stats(results["cold-floor"]), gateway: stats(results["cold-gateway"]) };
const verdict = (ratio, goal) => (ratio <= goal ? `met (≤ ${goal}x)` : `missed (goal ≤ ${goal}x)`);
const lines = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, Node ${process.versions.node}. Floor: a bare node:http + ws server (bench/floor-server.mjs) started the same way. The gateway runs with the Node flags of its service definitions (\`${GATEWAY_NODE_FLAGS.join(" ")}\`). Loopback only.`,
  "",
  "| measure | floor | gateway | ratio | goal |",
  "|---|---:|---:|---:|---|",
  `| cold start to /readyz 200, median of ${COLD_RUNS} (ms) | ${cold.floor.p50.toFixed(1)} | ${cold.gateway.p50.toFixed(1)} | ${(cold.gateway.p50 / cold.floor.p50).toFixed(2)}x | ${verdict(cold.gateway.p50 / cold.floor.p50, 1.5)} |`,
  `| RSS at ready (MB) | ${mb(rssReady.floor)} | ${mb(rssReady.gateway)} | ${(rssReady.gateway / rssReady.floor).toFixed(2)}x | ${verdict(rssReady.gateway / rssReady.floor, 1.3)} |`,
  `| RSS after ${IDLE_SECONDS} s idle (MB) | ${mb(rssIdle.floor)} | ${mb(rssIdle.gateway)} | ${(rssIdle.gateway / rssIdle.floor).toFixed(2)}x | ${verdict(rssIdle.gateway / rssIdle.floor, 1.3)} |`,
  `| 1000 idle authenticated connections: time to connect all (ms) | ${idle.floor.ms.toFixed(0)} | ${idle.gateway.ms.toFixed(0)} | ${(idle.gateway.ms / idle.floor.ms).toFixed(2)}x | ${verdict(idle.gateway.ms / idle.floor.ms, 1.5)} |`,
  `| 1000 idle authenticated connections: RSS (MB) | ${mb(idle.floor.after)} | ${mb(idle.gateway.after)} | ${(idle.gateway.after / idle.floor.after).toFixed(2)}x | |`,
  `| RSS per idle connection (KB) | ${perConnection(idle.floor).toFixed(1)} | ${perConnection(idle.gateway).toFixed(1)} | ${(perConnection(idle.gateway) / perConnection(idle.floor)).toFixed(2)}x | ${verdict(perConnection(idle.gateway) / perConnection(idle.floor), 1.5)} |`,
  `| the same, foreground \`openclaw gateway\` without the service's Node flags (KB) | ${perConnection(idle.floor).toFixed(1)} | ${perConnection(idle.foreground).toFixed(1)} | ${(perConnection(idle.foreground) / perConnection(idle.floor)).toFixed(2)}x | (see below) |`,
  "",
  "| `health` round trips | floor p50 / p99 (ms) | floor req/s | gateway p50 / p99 (ms) | gateway req/s |",
  "|---|---:|---:|---:|---:|",
  ...["1", "100"].map(
    (n) =>
      `| ${n === "1" ? "1 connection, 2000 sequential" : "100 connections, 50 each, concurrently"} | ${rpc[`floor-${n}`].p50.toFixed(3)} / ${rpc[`floor-${n}`].p99.toFixed(3)} | ${rpc[`floor-${n}`].rps.toFixed(0)} | ${rpc[`gateway-${n}`].p50.toFixed(3)} / ${rpc[`gateway-${n}`].p99.toFixed(3)} | ${rpc[`gateway-${n}`].rps.toFixed(0)} |`,
  ),
  "",
  "| command (against the running gateway, 20 runs, interleaved) | min | median | max | median / `node -e 0` | goal |",
  "|---|---:|---:|---:|---:|---|",
  ...cli.map(
    (c) =>
      `| \`${c.name}\` | ${c.min.toFixed(1)} | ${c.p50.toFixed(1)} | ${c.max.toFixed(1)} | ${c.ratio.toFixed(2)}x | ${c.goal === null ? "baseline" : verdict(c.ratio, c.goal)} |`,
  ),
];
const table = lines.join("\n");
console.log(table);

writeSection("gateway", "Gateway (`npm run bench:gateway`)", table);
