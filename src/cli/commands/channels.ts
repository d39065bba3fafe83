/** `openclaw channels status`: the configured channels (none yet is a valid answer). @module */
import type { Command } from "commander";
import { loadConfig } from "../../config/load.js";
import type { CliContext } from "../command.js";
import { EXIT } from "../errors.js";
import { clientFor, resolveTarget } from "../gateway-rpc.js";

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const channels = program.command("channels").description("Messaging channels");
  channels
    .command("status")
    .description("Show the configured channels and their state")
    .option("--probe", "ask the running gateway")
    .option("--timeout <ms>", "how long to wait for the gateway", "5000")
    .option("--json", "print as JSON")
    .action(async (opts: { probe?: boolean; timeout: string; json?: boolean }) => {
      let status: { channels: Record<string, unknown>; channelOrder: string[]; source: string } | undefined;
      try {
        const client = clientFor(await resolveTarget(ctx, {}), Number(opts.timeout) || 5000);
        try {
          await client.connect();
          const payload = await client.call<{ channels: Record<string, unknown>; channelOrder: string[] }>(
            "channels.status",
            { probe: opts.probe === true },
          );
          status = { ...payload, source: "gateway" };
        } finally {
          await client.close();
        }
      } catch {
        // The gateway is not reachable: report what the config says.
      }
      if (!status) {
        const config = loadConfig(ctx.paths.configPath, ctx.env).config;
        const entries = Object.entries(config.channels ?? {});
        status = {
          channelOrder: entries.map(([id]) => id),
          channels: Object.fromEntries(
            entries.map(([id, c]) => [id, { configured: true, enabled: c.enabled !== false, running: false }]),
          ),
          source: "config",
        };
      }
      if (opts.json) ctx.printJson({ ok: true, ...status });
      else if (status.channelOrder.length === 0) ctx.print("No channels configured.");
      else for (const id of status.channelOrder) ctx.print(`${id}: ${JSON.stringify(status.channels[id])}`);
      done(EXIT.ok);
    });
}
