/** A CLI world for in-process tests: temporary HOME, captured output, fixed clock. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { CliWorld } from "./command.js";
import { main } from "./run.js";

export interface TestWorld {
  readonly world: CliWorld;
  readonly home: string;
  run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  cleanup(): void;
}

function sink(append: (s: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      append(chunk.toString());
      callback();
    },
  });
}

export function createTestWorld(env: Record<string, string> = {}): TestWorld {
  const home = mkdtempSync(join(tmpdir(), "oc-cli-"));
  let out = "";
  let err = "";
  const world: CliWorld = {
    env: { PATH: process.env.PATH, ...env },
    cwd: home,
    homedir: home,
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    now: () => new Date(),
    nodeVersion: process.versions.node,
    entryPath: "/nonexistent/openclaw/dist/entry.cjs",
  };
  return {
    world,
    home,
    async run(...argv) {
      out = "";
      err = "";
      const code = await main(argv, world);
      return { code, stdout: out, stderr: err };
    },
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}
