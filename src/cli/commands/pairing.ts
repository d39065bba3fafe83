/**
 * `openclaw pairing list|approve`: DM pairing requests in the state directory's pairing files. The
 * running gateway reads the approved list at every message, so an approval needs no restart.
 * @module
 */
import type { Command } from "commander";
import { CHANNEL_LABELS, resolveChannelAccounts, SUPPORTED_CHANNELS } from "../../channels/accounts.js";
import { PairingFileError, PairingStore, type PairingRequest } from "../../channels/pairing.js";
import { loadConfig } from "../../config/load.js";
import type { CliContext } from "../command.js";
import { CliError, EXIT, UsageError } from "../errors.js";

/** The channel named positionally or with --channel; may be left out when one pairing channel is configured. */
function pickChannel(ctx: CliContext, positional: string | undefined, flag: string | undefined): string {
  if (positional && flag && positional !== flag)
    throw new UsageError(`two channels given: ${positional} and --channel ${flag}`, "Give one");
  const named = positional ?? flag;
  if (named !== undefined) {
    if (!(SUPPORTED_CHANNELS as readonly string[]).includes(named))
      throw new UsageError(`unknown channel "${named}"`, `Pairing channels: ${SUPPORTED_CHANNELS.join(", ")}`);
    return named;
  }
  const configured = [
    ...new Set(
      resolveChannelAccounts(loadConfig(ctx.paths.configPath, ctx.env).config, ctx.env, ctx.paths.credentialsDir).map(
        (a) => a.channel,
      ),
    ),
  ];
  if (configured.length === 1) return configured[0]!;
  throw new UsageError(
    configured.length === 0
      ? "no pairing channel is configured"
      : `several channels are configured: ${configured.join(", ")}`,
    "Name one: openclaw pairing list telegram",
  );
}

function checkAccount(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw))
    throw new UsageError(`invalid --account "${raw}"`, "Use letters, digits, _ and - (at most 64)");
  return raw;
}

/** `Pairing requests (N)` and a table: Code, <channel>UserId, Meta, Requested. Pure. */
export function renderPairingTable(channel: string, requests: readonly PairingRequest[]): string[] {
  const rows = requests.map((r) => [
    r.code,
    r.id,
    Object.entries(r.meta)
      .map(([k, v]) => `${k}=${v}`)
      .join(" "),
    r.createdAt,
  ]);
  const head = ["Code", `${channel}UserId`, "Meta", "Requested"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [`Pairing requests (${requests.length})`, ...(rows.length ? [line(head), ...rows.map(line)] : [])];
}

function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof PairingFileError) throw new CliError(error.message, { hint: "Nothing was changed." });
    throw error;
  }
}

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const pairing = program.command("pairing").description("DM pairing: list pending requests, approve a code");

  pairing
    .command("list [channel]")
    .description("Pending pairing requests (they expire after an hour)")
    .option("--channel <channel>", "the channel (instead of the argument)")
    .option("--account <id>", "only this account")
    .option("--json", "print as JSON")
    .action((positional: string | undefined, opts: { channel?: string; account?: string; json?: boolean }) => {
      const channel = pickChannel(ctx, positional, opts.channel);
      const account = checkAccount(opts.account);
      const requests = guarded(() => new PairingStore(ctx.paths.credentialsDir, channel).list(account));
      if (opts.json) ctx.printJson({ channel, requests });
      else for (const line of renderPairingTable(channel, requests)) ctx.print(line);
      done(EXIT.ok);
    });

  pairing
    .command("approve [channelOrCode] [code]")
    .description("Approve a pairing code: the sender may then message the bot (DMs only, never groups)")
    .option("--channel <channel>", "the channel (instead of the argument)")
    .option("--account <id>", "the account the request belongs to")
    .option("--notify", "tell the sender through the running gateway")
    .action(
      async (
        first: string | undefined,
        second: string | undefined,
        opts: { channel?: string; account?: string; notify?: boolean },
      ) => {
        const [positional, code] = second === undefined ? [undefined, first] : [first, second];
        if (!code)
          throw new UsageError("a pairing code is required", "Example: openclaw pairing approve telegram WB4GR2M6");
        if (opts.account !== undefined && opts.account === "") throw new UsageError("--account needs a value");
        const channel = pickChannel(ctx, positional, opts.channel);
        const account = checkAccount(opts.account);
        const store = new PairingStore(ctx.paths.credentialsDir, channel);
        const approved = guarded(() => store.approve(code, account));
        if (!approved)
          throw new CliError(`no pending ${channel} pairing request with code ${code.toUpperCase()}`, {
            hint: `Codes expire after an hour; see the pending ones: openclaw pairing list ${channel}`,
          });
        ctx.print(`Approved ${channel} sender ${approved.id}.`);
        if (opts.notify) {
          const { withGateway } = await import("../gateway-rpc.js");
          try {
            await withGateway(ctx, {}, 10_000, (client) =>
              client.call("send", {
                channel,
                accountId: approved.meta.accountId,
                to: approved.id,
                message: `Access approved: you can message this ${CHANNEL_LABELS[channel] ?? channel} bot now.`,
                idempotencyKey: `pairing-${channel}-${approved.id}-${approved.code}`,
              }),
            );
            ctx.print(`Told sender ${approved.id}.`);
          } catch (error) {
            ctx.warn(`The approval stands, but the sender was not told: ${(error as Error).message}`);
          }
        }
        done(EXIT.ok);
      },
    );
}
