// Runs the unit tests (src/**/*.test.ts, ui/src/**/*.test.ts) or the end-to-end tests (test/e2e/**/*.test.ts) with node's
// own test runner; TypeScript is loaded through tsx because Node 20 cannot strip types itself.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const kind = process.argv[2];
const roots = { unit: ["src", "ui/src"], e2e: ["test/e2e"] }[kind];
if (!roots) {
  console.error(`usage: node scripts/run-tests.mjs unit|e2e (got ${kind ?? "nothing"})`);
  process.exit(2);
}

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...find(path));
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

// The end-to-end tests that need nothing of Linux (no systemd, runuser, network namespaces, POSIX file
// modes, shell scripts): what the macOS and Windows CI jobs run (OPENCLAW_E2E_SUBSET=portable).
const PORTABLE = ["gateway-http", "gateway-ws", "control-ui-serving", "metrics", "models"];
const subset = process.env.OPENCLAW_E2E_SUBSET;
const files = roots
  .flatMap(find)
  .filter((f) => kind !== "e2e" || subset !== "portable" || PORTABLE.some((name) => f.endsWith(`${name}.test.ts`)))
  .toSorted();
if (files.length === 0) {
  console.error(`no ${kind} test files found under ${roots.join(", ")}`);
  process.exit(1);
}
const concurrency = kind === "e2e" ? "2" : "4";
const result = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    `--test-concurrency=${concurrency}`,
    "--test-timeout=120000",
    ...process.argv.slice(3),
    ...files,
  ],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
