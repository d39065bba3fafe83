/**
 * `openclaw devices list|approve|reject|revoke`: paired devices and pairing requests, through the running
 * gateway (`device.pair.*`, `device.token.revoke`), or in the state directory's files when it is down.
 * @module
 */
import type { Command } from "commander";
import { DeviceStore } from "../../gateway/devices.js";
import type { CliContext } from "../command.js";
import { CliError, EXIT } from "../errors.js";
import { withGateway } from "../gateway-rpc.js";

type Listing = { pending: Record<string, unknown>[]; paired: Record<string, unknown>[] };

/** Calls the gateway; when none answers, runs `local` on the files (said once on stderr). */
async function viaGatewayOr<T>(ctx: CliContext, method: string, params: unknown, local: () => T): Promise<T> {
  try {
    return await withGateway(ctx, {}, 5000, (client) => client.call<T>(method, params, 5000));
  } catch (error) {
    const message = (error as Error).message;
    if (!/not reachable/.test(message)) throw error;
    ctx.warn(`The gateway is not running: using the files in ${ctx.paths.stateDir}/devices.`);
    return local();
  }
}

/** The table people read. Pure. */
export function renderDevices(listing: Listing): string[] {
  const lines = [`Pending (${listing.pending.length})`];
  for (const r of listing.pending)
    lines.push(
      `  ${String(r.requestId)}  ${String(r.clientId)} from ${String(r.remoteIp ?? "?")}  device ${String(r.deviceId).slice(0, 12)}…  ${new Date(Number(r.createdAtMs)).toISOString()}${r.reason && r.reason !== "not-paired" ? `  ${String(r.reason)}: ${String(r.role)} ${((r.scopes as string[] | undefined) ?? []).join(",")}` : ""}`,
    );
  lines.push(`Paired (${listing.paired.length})`);
  for (const d of listing.paired)
    lines.push(
      `  ${String(d.deviceId).slice(0, 12)}…  ${String(d.clientId)} ${String(d.platform ?? "")}  roles: ${((d.roles as string[] | undefined) ?? []).join(", ") || "none (one is issued when it next connects with the gateway secret)"}`,
    );
  return lines;
}

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const devices = program.command("devices").description("Paired devices (the Control UI, apps) and pairing requests");
  const store = () => new DeviceStore(ctx.paths.stateDir);

  devices
    .command("list")
    .description("Pending pairing requests and paired devices")
    .option("--json", "print as JSON")
    .action(async (opts: { json?: boolean }) => {
      const listing = await viaGatewayOr<Listing>(ctx, "device.pair.list", {}, () => ({
        pending: store().pending() as unknown as Record<string, unknown>[],
        paired: store()
          .paired()
          .map(({ tokens, ...d }) => ({ ...d, roles: Object.keys(tokens) })),
      }));
      if (opts.json) ctx.printJson(listing);
      else for (const line of renderDevices(listing)) ctx.print(line);
      done(EXIT.ok);
    });

  devices
    .command("approve <requestId>")
    .description("Approve a pairing request: the device connects with its own token from then on")
    .option("--json", "print as JSON")
    .action(async (requestId: string, opts: { json?: boolean }) => {
      const result = await viaGatewayOr(ctx, "device.pair.approve", { requestId }, () => {
        const approved = store().approve(requestId);
        if (!approved)
          throw new CliError(`no pending pairing request ${requestId}`, { hint: "See them: openclaw devices list" });
        return { requestId, device: { deviceId: approved.deviceId } };
      });
      if (opts.json) ctx.printJson(result);
      else ctx.print(`Approved ${requestId}: the device can connect now.`);
      done(EXIT.ok);
    });

  devices
    .command("reject <requestId>")
    .description("Refuse a pairing request")
    .action(async (requestId: string) => {
      await viaGatewayOr(ctx, "device.pair.reject", { requestId }, () => {
        if (!store().reject(requestId))
          throw new CliError(`no pending pairing request ${requestId}`, { hint: "See them: openclaw devices list" });
        return { requestId, rejected: true };
      });
      ctx.print(`Rejected ${requestId}.`);
      done(EXIT.ok);
    });

  devices
    .command("revoke <deviceId>")
    .description(
      "Revoke a device's token (it needs the gateway secret again); --remove forgets it (it must pair again)",
    )
    .option("--role <role>", "the role whose token goes", "operator")
    .option("--remove", "also forget the device")
    .action(async (deviceId: string, opts: { role: string; remove?: boolean }) => {
      const method = opts.remove ? "device.pair.remove" : "device.token.revoke";
      await viaGatewayOr(ctx, method, { deviceId, role: opts.role }, () => {
        const ok = opts.remove ? store().remove(deviceId) : store().revoke(deviceId, opts.role);
        if (!ok)
          throw new CliError(`no such paired device or token: ${deviceId}`, {
            hint: "See them: openclaw devices list",
          });
        return { deviceId };
      });
      ctx.print(opts.remove ? `Removed device ${deviceId}.` : `Revoked the ${opts.role} token of device ${deviceId}.`);
      done(EXIT.ok);
    });
}
