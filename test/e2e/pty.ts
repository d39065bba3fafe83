/**
 * A command under a pseudo-terminal, for the interactive wizards: util-linux `script` gives the child a
 * pty (120×40), and the test waits for each prompt's text before it types.
 */
import { spawn } from "node:child_process";
import { BIN } from "./harness.js";

export interface PtySession {
  /** Waits until the screen text (ANSI codes stripped) matches, up to `timeoutMs`. */
  expect(pattern: RegExp, timeoutMs?: number): Promise<void>;
  send(keys: string): void;
  /** The exit code, once the command has ended. */
  exited: Promise<number | null>;
  text(): string;
}

export const KEYS = { enter: "\r", down: "\x1b[B", ctrlC: "\x03" } as const;

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, "g");
const stripAnsi = (text: string) => text.replace(ANSI, "").replace(/\r/g, "");

/** Runs `openclaw <args>` (or, with `command`, that program) under a pseudo-terminal. */
export function runInPty(args: string[], env: Record<string, string>, command = [process.execPath, BIN]): PtySession {
  const quoted = [...command, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const child = spawn("script", ["-qfec", `stty cols 120 rows 40; exec ${quoted}`, "/dev/null"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "xterm", ...env },
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      clearTimeout(killer);
      resolve(code);
    }),
  );
  let seen = 0;
  return {
    async expect(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const screen = stripAnsi(out);
        const match = pattern.exec(screen.slice(seen));
        if (match) {
          seen += match.index + match[0].length;
          return;
        }
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`waited for ${pattern} in:\n${screen.slice(seen)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    send: (keys) => child.stdin.write(keys),
    exited,
    text: () => stripAnsi(out),
  };
}
