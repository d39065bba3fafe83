// `npm run test:live` (run with tsx: the targets are TypeScript): the live provider tests. A provider without its key is reported as skipped, and a
// run where nothing could be tested exits 77 ("skipped"), never 0, so a skip is never counted as a pass.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { liveTargets } from "../test/live/targets.ts";

const targets = liveTargets(process.env);
const available = targets.filter((t) => t.available);
for (const t of targets)
  console.log(`live ${t.id.padEnd(9)} ${t.available ? `runs (${t.model})` : `SKIPPED: ${t.needs} is not set`}`);
if (available.length === 0) {
  console.log(
    "\nlive provider tests: SKIPPED, nothing was tested (exit 77, not a pass).\n" +
      "Set OPENAI_API_KEY and/or ANTHROPIC_API_KEY, or OPENCLAW_LIVE_LOCAL_BASE_URL for a local OpenAI-compatible server.",
  );
  process.exit(77);
}
const files = readdirSync("test/live")
  .filter((f) => f.endsWith(".test.ts"))
  .map((f) => join("test/live", f));
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=1", "--test-timeout=300000", ...files],
  { stdio: "inherit" },
);
const skipped = targets.filter((t) => !t.available).map((t) => t.id);
console.log(
  `\nlive provider tests: ${result.status === 0 ? "passed" : "FAILED"} for ${available.map((t) => t.id).join(", ")}` +
    (skipped.length ? `; skipped (not counted as passed): ${skipped.join(", ")}` : ""),
);
process.exit(result.status ?? 1);
