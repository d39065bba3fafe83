/** The agent's workspace: bootstrap files created on first use, and the system prompt built from them. @module */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const BOOTSTRAP_FILES: readonly [string, string][] = [
  [
    "AGENTS.md",
    "# Agents\n\nYou are the user's personal assistant, running inside an OpenClaw gateway. Be concise and accurate.\n",
  ],
  ["SOUL.md", "# Soul\n\nHelpful, direct, honest about what you do not know.\n"],
  ["USER.md", "# User\n\n(Describe yourself here: name, time zone, preferences.)\n"],
  [
    "TOOLS.md",
    "# Tools\n\nYou can read, write and edit files in this workspace and run shell commands here with `exec`.\n",
  ],
  ["IDENTITY.md", "# Identity\n\nName: OpenClaw\n"],
  ["HEARTBEAT.md", "# Heartbeat\n\n(Tasks to check periodically.)\n"],
];
const MAX_FILE_CHARS = 20_000;

export function ensureWorkspace(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [name, text] of BOOTSTRAP_FILES) {
    const path = join(dir, name);
    if (!existsSync(path)) writeFileSync(path, text, { mode: 0o600 });
  }
}

/** The files' contents, each bounded, under their names. */
export function buildSystemPrompt(dir: string, now = new Date()): string {
  const parts = [`Workspace: ${dir}`, `Current time: ${now.toISOString()}`];
  for (const [name] of BOOTSTRAP_FILES) {
    try {
      const text = readFileSync(join(dir, name), "utf8");
      parts.push(
        `## ${name}\n${text.length > MAX_FILE_CHARS ? `${text.slice(0, MAX_FILE_CHARS)}\n(truncated)` : text}`,
      );
    } catch {
      // removed by the user: fine
    }
  }
  return parts.join("\n\n");
}
