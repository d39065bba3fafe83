/** `openclaw message send`: a text to a chat through the running gateway's channel. @module */
import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import type { CliContext } from "../command.js";
import { EXIT, UsageError } from "../errors.js";
import { addRpcOptions, parseTimeout, withGateway, type RpcOptions } from "../gateway-rpc.js";

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const message = program.command("message").description("Send messages through a channel");
  addRpcOptions(
    message
      .command("send")
      .description("Send a text to a chat (Telegram: the numeric chat id)")
      .requiredOption("--channel <channel>", "telegram")
      .requiredOption("-t, --target <dest>", "where to: a chat id")
      .requiredOption("-m, --message <text>", "the text (long texts are sent in chunks)")
      .option("--account <id>", "the channel account (default: default)")
      .option("--json", "print the outcome as JSON"),
    30_000,
  ).action(
    async (
      opts: RpcOptions & { channel: string; target: string; message: string; account?: string; json?: boolean },
    ) => {
      if (!opts.target.trim()) throw new UsageError("--target needs a chat id", "Example: --target 123456789");
      if (!opts.message.trim()) throw new UsageError("--message is empty");
      const timeoutMs = parseTimeout(opts.timeout, 30_000);
      const result = await withGateway(ctx, opts, timeoutMs, (client) =>
        client.call<{ messageId?: string; chunks: number }>(
          "send",
          {
            channel: opts.channel,
            to: opts.target,
            message: opts.message,
            idempotencyKey: randomUUID(),
            ...(opts.account ? { accountId: opts.account } : {}),
          },
          timeoutMs,
        ),
      );
      if (opts.json) ctx.printJson({ ok: true, channel: opts.channel, to: opts.target, ...result });
      else
        ctx.print(
          `Sent to ${opts.channel} ${opts.target} (${result.chunks} message${result.chunks === 1 ? "" : "s"}, last id ${result.messageId ?? "?"}).`,
        );
      done(EXIT.ok);
    },
  );
}
