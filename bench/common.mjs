// What every benchmark shares: the built entry, numeric flags, and writing its table into
// docs/PERFORMANCE.md between its own markers.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const bin = join(root, "dist", "entry.cjs");
if (!existsSync(bin)) throw new Error("dist/entry.cjs is missing: run npm run build first");

/** `--name N` from the command line, or the fallback. */
export function numericArg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Replaces the section between `<!-- bench:<key>:start -->` and its end marker (added under `title` when missing). */
export function writeSection(key, title, table) {
  const docPath = join(root, "docs", "PERFORMANCE.md");
  const start = `<!-- bench:${key}:start -->`;
  const end = `<!-- bench:${key}:end -->`;
  let doc = existsSync(docPath) ? readFileSync(docPath, "utf8") : "# Performance\n\n";
  if (!doc.includes(start)) doc += `\n## ${title}\n\n${start}\n${end}\n`;
  doc = doc.replace(new RegExp(`${start}[\\s\\S]*?${end}`), `${start}\n${table}\n${end}`);
  writeFileSync(docPath, doc);
  console.log(`\nwritten to ${docPath}`);
}

const chunk = (delta, finish = null) =>
  `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

/**
 * The benchmarks' model: an OpenAI-compatible server that streams a fixed short answer at once. `times`
 * gets how long it spent on each request, so a benchmark can subtract the model's own share.
 */
export async function startBenchModel() {
  const times = [];
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.write(chunk({ role: "assistant", content: "" }));
      for (const piece of ["bench", "mark ", "answer"]) res.write(chunk({ content: piece }));
      res.write(chunk({}, "stop"));
      res.write(
        `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 0, model: "m", choices: [], usage: { prompt_tokens: 10, completion_tokens: 3 } })}\n\n`,
      );
      res.end("data: [DONE]\n\n", () => times.push(Number(process.hrtime.bigint() - started) / 1e6));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}/v1`, times, close: () => server.close() };
}

/**
 * The built gateway as its service definitions run it (`--max-semi-space-size=4`), with HOME = `home`
 * (whose config the caller wrote), once `/readyz` answers 200 (bounded).
 */
export async function startReadyGateway(home, port) {
  const child = spawn(process.execPath, ["--max-semi-space-size=4", bin, "gateway", "--port", String(port)], {
    env: { PATH: process.env.PATH, HOME: home },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr.resume();
  for (let i = 0; i < 2000; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill("SIGKILL");
  throw new Error("the gateway did not become ready");
}
