// CLI start-up benchmark: whole processes, side by side with `node -e 0` in the same run, interleaved
// so machine noise hits every command alike. Writes the table into docs/PERFORMANCE.md.
// Usage: npm run bench:cli [-- --runs 30]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { bin, writeSection } from "./common.mjs";

const runsArg = process.argv.indexOf("--runs");
const RUNS = Math.min(200, Math.max(20, runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30));
const WARMUP = 3;

const home = mkdtempSync(join(tmpdir(), "oc-bench-"));
mkdirSync(join(home, ".openclaw"), { recursive: true, mode: 0o700 });
writeFileSync(join(home, ".openclaw", "openclaw.json"), JSON.stringify({ gateway: { mode: "local", port: 18789 } }), {
  mode: 0o600,
});
const env = { PATH: process.env.PATH, HOME: home };

const cases = [
  { name: "node -e 0", args: ["-e", "0"], goal: null },
  { name: "openclaw --version", args: [bin, "--version"], goal: 1.1 },
  { name: "openclaw --help", args: [bin, "--help"], goal: 1.1 },
  { name: "openclaw config get gateway.port", args: [bin, "config", "get", "gateway.port"], goal: 1.3 },
];

function once(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

for (const c of cases) for (let i = 0; i < WARMUP; i++) once(c.args);
const samples = new Map(cases.map((c) => [c.name, []]));
for (let i = 0; i < RUNS; i++) for (const c of cases) samples.get(c.name).push(once(c.args));
rmSync(home, { recursive: true, force: true });

const stats = (xs) => {
  const s = xs.toSorted((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const floor = stats(samples.get("node -e 0")).median;
const rows = cases.map((c) => {
  const s = stats(samples.get(c.name));
  const ratio = s.median / floor;
  const verdict = c.goal === null ? "baseline" : ratio <= c.goal ? `met (≤ ${c.goal}x)` : `missed (goal ≤ ${c.goal}x)`;
  return `| \`${c.name}\` | ${s.min.toFixed(1)} | ${s.median.toFixed(1)} | ${s.max.toFixed(1)} | ${ratio.toFixed(2)}x | ${verdict} |`;
});

const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, Node ${process.versions.node}, ${RUNS} runs each after ${WARMUP} warm-ups, interleaved. Times in ms, wall clock of the whole process.`,
  "",
  "| command | min | median | max | median / `node -e 0` | goal |",
  "|---|---:|---:|---:|---:|---|",
  ...rows,
].join("\n");
console.log(table);

writeSection("cli", "CLI start-up (`npm run bench:cli`)", table);
