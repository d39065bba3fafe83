/** `openclaw sessions [show <id>]`: the session index and transcripts, read from the state directory. @module */
import type { Command } from "commander";
import { normalizeSessionKey, SessionStore } from "../../sessions/store.js";
import { loadTranscript, type ContentBlock } from "../../sessions/transcript.js";
import type { CliContext } from "../command.js";
import { CliError, EXIT } from "../errors.js";

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const sessions = program
    .command("sessions")
    .description("List the agent's sessions; sessions show <id> prints a transcript")
    .option("--agent <id>", "agent id", "default")
    .option("--json", "print as JSON")
    .action((opts: { agent: string; json?: boolean }) => {
      const store = new SessionStore(ctx.paths.agentsDir, opts.agent);
      const rows = store.list();
      if (opts.json)
        ctx.printJson({
          path: store.indexPath,
          count: rows.length,
          sessions: rows.map(({ key, entry }) => ({ key, ...entry })),
        });
      else if (rows.length === 0) ctx.print(`No sessions yet (${store.indexPath}).`);
      else
        for (const { key, entry } of rows)
          ctx.print(
            `${key.padEnd(24)} ${entry.sessionId.padEnd(38)} ${new Date(entry.updatedAt).toISOString()}  ${entry.model ?? ""}  ${entry.totalTokens ?? 0} tokens`,
          );
      done(EXIT.ok);
    });
  sessions
    .command("show")
    .description("Print a session's transcript readably")
    .argument("<key>", "session key or id, e.g. main")
    .option("--agent <id>", "agent id", "default")
    .option("--json", "print the messages as JSON")
    .action((key: string, opts: { agent: string; json?: boolean }) => {
      const store = new SessionStore(ctx.paths.agentsDir, opts.agent);
      const short = normalizeSessionKey(key, opts.agent);
      const entry = store.get(short) ?? store.list().find((r) => r.entry.sessionId === short)?.entry;
      if (!entry) throw new CliError(`no session ${JSON.stringify(key)}`, { hint: "List them: openclaw sessions" });
      const { messages, repaired } = loadTranscript(store.transcriptPath(entry.sessionId), { repair: false });
      if (opts.json) ctx.printJson(messages.map((m) => m.message));
      else {
        for (const { message } of messages) {
          for (const block of message.content as ContentBlock[]) {
            if (block.type === "text")
              ctx.print(
                `${message.role === "toolResult" ? `[${message.toolName} result]` : `${message.role}:`} ${block.text}`,
              );
            else if (block.type === "toolCall") ctx.print(`[tool ${block.name}] ${JSON.stringify(block.arguments)}`);
            else if (block.type === "thinking")
              ctx.print(
                `[thinking] ${block.thinking.length > 200 ? `${block.thinking.slice(0, 200)}…` : block.thinking}`,
              );
          }
        }
        if (repaired.tornBytes || repaired.abortedToolCalls)
          ctx.warn(
            `(repaired: ${repaired.tornBytes} torn bytes set aside, ${repaired.abortedToolCalls} unfinished tool calls closed)`,
          );
      }
      done(EXIT.ok);
    });
}
